/**
 * The configuration every Cohort service shares. Apps extend it with their own fields:
 *
 *   const AppConfig = commonConfigSchema.extend({ MODEL_DIR: z.string() });
 *   const config = loadConfigOrExit(AppConfig);
 *
 * Invariants: every field has a default that works on a development machine except secrets,
 * which have none; API keys are checked for length and alphabet and their roles against the
 * closed role list, and an error about a key names its position and keyId, never the key.
 * (No refinements on the object itself: zod refuses to `.extend()` a refined object.)
 */
import { z } from 'zod';
import { COHORT_ROLES, type CohortRole, isCohortRole } from '../auth/cohort-role.constants';
import { keyIdOf } from '../auth/api-key.table';

/** Shortest API key accepted: 24 characters of [A-Za-z0-9._~-] is > 140 bits when random. */
export const MIN_API_KEY_LENGTH = 24;
const KEY_ALPHABET = /^[A-Za-z0-9._~-]+$/;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ConfiguredApiKey {
  readonly key: string;
  readonly roles: readonly CohortRole[];
}

function keyProblem(key: string): string | undefined {
  if (key.length < MIN_API_KEY_LENGTH) {
    return `key is shorter than ${MIN_API_KEY_LENGTH} characters`;
  }
  if (!KEY_ALPHABET.test(key)) {
    return 'key may only use letters, digits and . _ ~ -';
  }
  return undefined;
}

/**
 * `COHORT_API_KEYS=<key>=<role>[+<role>...][,<key>=<role>[+<role>...]...]`
 * e.g. `Xk2...=operator+compliance,Pq9...=device`. Whitespace around entries is ignored.
 */
export const apiKeysSchema = z.string().transform((text, ctx): ConfiguredApiKey[] => {
  const entries: ConfiguredApiKey[] = [];
  const seen = new Set<string>();
  text.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const position = `entry ${index + 1}`;
    const problem = (message: string) => ctx.issues.push({ code: 'custom', message: `${position}: ${message}`, input: undefined });
    if (entry === '') {
      return problem('is empty (expected <key>=<role>[+<role>...])');
    }
    const separator = entry.lastIndexOf('=');
    if (separator <= 0) {
      return problem(`has no roles (expected <key>=<role>[+<role>...], roles: ${COHORT_ROLES.join(', ')})`);
    }
    const key = entry.slice(0, separator).trim();
    const badKey = keyProblem(key);
    if (badKey !== undefined) {
      return problem(badKey);
    }
    const named = `${position} (keyId ${keyIdOf(key)})`;
    const roles = entry.slice(separator + 1).split('+').map((role) => role.trim());
    const unknown = roles.filter((role) => !isCohortRole(role));
    if (unknown.length > 0) {
      return ctx.issues.push({ code: 'custom', message: `${named}: unknown role ${unknown.map((r) => `'${r}'`).join(', ')} (roles: ${COHORT_ROLES.join(', ')})`, input: undefined });
    }
    if (seen.has(key)) {
      return ctx.issues.push({ code: 'custom', message: `${named}: the same key is listed twice`, input: undefined });
    }
    seen.add(key);
    entries.push({ key, roles: roles as CohortRole[] });
  });
  return entries;
});

/** A single key, as in COHORT_API_KEY. */
export const apiKeySchema = z.string().superRefine((key, ctx) => {
  const problem = keyProblem(key.trim());
  if (problem !== undefined) {
    ctx.issues.push({ code: 'custom', message: problem, input: undefined });
  }
}).transform((key) => key.trim());

const brokerList = z
  .string()
  .transform((text) => text.split(',').map((broker) => broker.trim()).filter((broker) => broker !== ''))
  .pipe(z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'each broker must be host:port')).min(1, 'needs at least one host:port'));

export const commonConfigSchema = z.object({
  /** standalone: every service in one process, embedded bus and in-memory stores. */
  COHORT_MODE: z.enum(['standalone', 'distributed']).default('standalone'),
  COHORT_ENV: z.enum(['development', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
  COHORT_BLOB_ROOT: z.string().min(1).default('.data/blobs'),
  COHORT_API_KEYS: apiKeysSchema.default([]),
  COHORT_API_KEY: apiKeySchema.optional(),
  OTEL_EXPORTER: z.enum(['none', 'console', 'otlp']).default('none'),
  /** Base URL of an OTLP/HTTP collector; traces go to `<endpoint>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
});

export type CommonConfig = z.output<typeof commonConfigSchema>;
