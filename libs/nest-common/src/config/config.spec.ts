import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keyIdOf } from '../auth/api-key.table';
import { commonConfigSchema } from './common-config.schema';
import { ConfigError } from './config.error';
import { loadConfigOrExit } from './config.loader';
import { parseConfig } from './config.parser';

const KEY_A = 'key-a-0123456789abcdefghijklmn';
const KEY_B = 'key-b-0123456789abcdefghijklmn';

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('commonConfigSchema', () => {
  it('gives a working development config from an empty environment', () => {
    expect(parseConfig(commonConfigSchema, {})).toEqual({
      COHORT_MODE: 'standalone',
      COHORT_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 8080,
      LOG_LEVEL: 'info',
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      REDIS_URL: 'redis://127.0.0.1:6379',
      COHORT_BLOB_ROOT: '.data/blobs',
      COHORT_API_KEYS: [],
      OTEL_EXPORTER: 'none',
    });
  });

  it('reads every variable', () => {
    const config = parseConfig(commonConfigSchema, {
      COHORT_MODE: 'distributed',
      COHORT_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: '9000',
      LOG_LEVEL: 'debug',
      KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9092',
      REDIS_URL: 'rediss://redis.internal:6380',
      COHORT_BLOB_ROOT: '/var/lib/cohort',
      COHORT_API_KEYS: ` ${KEY_A}=operator+compliance , ${KEY_B}=device`,
      OTEL_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      UNRELATED: 'ignored',
    });
    expect(config).toMatchObject({
      COHORT_MODE: 'distributed',
      PORT: 9000,
      KAFKA_BROKERS: ['kafka-0:9092', 'kafka-1:9092'],
      COHORT_API_KEYS: [
        { key: KEY_A, roles: ['operator', 'compliance'] },
        { key: KEY_B, roles: ['device'] },
      ],
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    });
    expect(config).not.toHaveProperty('UNRELATED');
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig(commonConfigSchema, { PORT: '', COHORT_API_KEY: ' ' }).PORT).toBe(8080);
  });

  it('names every bad variable and why, all at once', () => {
    const error = errorOf(() =>
      parseConfig(commonConfigSchema, { PORT: '70000', COHORT_MODE: 'cluster', REDIS_URL: 'http://x', KAFKA_BROKERS: 'kafka-0' }),
    );
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(['COHORT_MODE', 'KAFKA_BROKERS', 'PORT', 'REDIS_URL']);
    expect(error.message).toMatch(/PORT: .*65535/);
    expect(error.message).toMatch(/COHORT_MODE: .*standalone.*distributed/);
    expect(error.message).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(error.message).toMatch(/KAFKA_BROKERS: each broker must be host:port/);
  });

  it('refuses short keys, unknown roles and duplicates, naming the entry but never the key', () => {
    const error = errorOf(() =>
      parseConfig(commonConfigSchema, {
        COHORT_API_KEYS: `tooshort=operator,${KEY_A}=admin,${KEY_B},${KEY_A}=operator,${KEY_A}=device`,
        COHORT_API_KEY: 'short',
      }),
    );
    const text = error.message;
    expect(text).toContain('COHORT_API_KEYS: entry 1: key is shorter than 24 characters');
    expect(text).toContain(`COHORT_API_KEYS: entry 2 (keyId ${keyIdOf(KEY_A)}): unknown role 'admin'`);
    expect(text).toContain('COHORT_API_KEYS: entry 3: has no roles');
    expect(text).toContain(`COHORT_API_KEYS: entry 5 (keyId ${keyIdOf(KEY_A)}): the same key is listed twice`);
    expect(text).toContain('COHORT_API_KEY: key is shorter than 24 characters');
    expect(text).not.toContain(KEY_A);
    expect(text).not.toContain(KEY_B);
    expect(text).not.toContain('tooshort');
  });

  it('lets apps extend it and says when a required variable is missing', () => {
    const appSchema = commonConfigSchema.extend({ MODEL_DIR: z.string().min(1), BATCH: z.coerce.number().int().positive() });
    const error = errorOf(() => parseConfig(appSchema, { BATCH: 'lots' }));
    expect(error.message).toContain('MODEL_DIR: is required but not set');
    expect(error.message).toMatch(/BATCH: .*number/);
    expect(parseConfig(appSchema, { MODEL_DIR: '/m', BATCH: '8' })).toMatchObject({ MODEL_DIR: '/m', BATCH: 8, PORT: 8080 });
  });
});

describe('loadConfigOrExit', () => {
  it('prints the message to stderr and exits with 78 on a bad environment', () => {
    const written: string[] = [];
    const exits: number[] = [];
    expect(() =>
      loadConfigOrExit(commonConfigSchema, { PORT: 'eighty' }, {
        writeError: (text) => written.push(text),
        exit: (code) => {
          exits.push(code);
          throw new Error('exited');
        },
      }),
    ).toThrow('exited');
    expect(exits).toEqual([78]);
    expect(written.join('')).toMatch(/Invalid configuration \(1 problem\).*\n {2}- PORT: /);
  });

  it('returns the typed config when the environment is valid', () => {
    expect(loadConfigOrExit(commonConfigSchema, { PORT: '81' }).PORT).toBe(81);
  });
});
