/**
 * The pino options every Cohort logger uses: JSON lines, `service` on every line, the active
 * trace and span ids when there is one, and redaction of secrets.
 *
 * Invariant: a value under any of the REDACTED_KEYS (compared case-insensitively) in the logged
 * object, at any depth up to MAX_SCRUB_DEPTH, inside plain objects and arrays, is written as
 * `[Redacted]`; so is a child logger's binding under one of those exact names, and the request's
 * Authorization / Cookie / API-key headers. The caller's objects are never mutated (copy on write).
 *
 * Why not pino's `redact` paths for all of it: a path matches one fixed depth, and its wildcard
 * paths (`*.key`, `*.*.key`, ...) cost ~5 µs each per line in @pinojs/redact; 80 of them made a
 * log line ~20x slower. One walk over the (small) logged object costs a few microseconds and
 * finds secrets at any depth. `redact` keeps the cheap fixed paths (REDACT_PATHS).
 *
 * Redaction is a safety net: code must still never pass keys, shares, masks, seeds or raw
 * updates to a logger (STYLE.md).
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type LoggerOptions, stdTimeFunctions } from 'pino';
import type { LogLevel } from '../config/common-config.schema';

export const REDACTED = '[Redacted]';

/** Property names whose values are secrets wherever they appear. */
export const REDACTED_KEYS = [
  'apiKey',
  'apiKeys',
  'key',
  'secret',
  'secretKey',
  'privateKey',
  'seed',
  'seeds',
  'mask',
  'masks',
  'share',
  'shares',
  'password',
  'passwd',
  'passphrase',
  'token',
  'accessToken',
  'refreshToken',
  'authorization',
  'cookie',
  'x-api-key',
] as const;

/** Deeper than this, values are left as they are (log objects are shallow; this bounds the walk). */
export const MAX_SCRUB_DEPTH = 8;

const SECRET_KEYS: ReadonlySet<string> = new Set(REDACTED_KEYS.map((key) => key.toLowerCase()));

/** `value` with every secret replaced by REDACTED; the same reference when there was none. */
export function scrubSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_SCRUB_DEPTH) {
    return value;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const scrubbed = scrubSecrets(item, depth + 1);
      if (scrubbed !== item) {
        copy ??= [...value];
        copy[index] = scrubbed;
      }
    });
    return (copy ?? value) as T;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    // Class instances (requests, errors, buffers, ...) are left to their serializers.
    return value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const scrubbed = SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : scrubSecrets(item, depth + 1);
    if (scrubbed !== item) {
      copy ??= { ...record };
      copy[key] = scrubbed;
    }
  }
  return (copy ?? value) as T;
}

/**
 * For pino's own `redact`: the fixed header paths of serialized requests and responses, and the
 * secret keys at the top level, which is what covers a child logger's bindings (pino does not pass
 * a child's bindings through `formatters.bindings`). Top-level paths are cheap; wildcards are not.
 */
export const REDACT_PATHS: readonly string[] = [
  ...REDACTED_KEYS.map((key) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`)),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

/** Adds `traceId`/`spanId` of the active span, so a log line can be found from a trace. */
export function traceMixin(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined) {
    return {};
  }
  const context = span.spanContext();
  return isSpanContextValid(context) ? { traceId: context.traceId, spanId: context.spanId } : {};
}

export function cohortLoggerOptions(service: string, level: LogLevel = 'info'): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => scrubSecrets(bindings),
      log: (object) => scrubSecrets(object),
    },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    mixin: traceMixin,
  };
}
