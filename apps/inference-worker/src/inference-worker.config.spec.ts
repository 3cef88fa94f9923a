import { describe, expect, it } from 'vitest';
import { inferenceWorkerOptionsFromConfig } from '@cohort/feature-inference-worker';
import { ConfigError, parseConfig } from '@cohort/nest-common';
import { InferenceWorkerConfig } from './inference-worker.config';

describe('InferenceWorkerConfig', () => {
  it('defaults to the cpu provider, batches of 32 within 5 ms, a queue of 256, port 8087', () => {
    const config = parseConfig(InferenceWorkerConfig, {});
    expect(config).toMatchObject({ PORT: 8087, COHORT_ENCODER_PROVIDER: 'cpu', COHORT_ENCODER_MAX_BATCH: 32, COHORT_ENCODER_MAX_WAIT_MS: 5, COHORT_ENCODER_QUEUE_LIMIT: 256 });
    expect(config.COHORT_ENCODER_MODEL_DIR).toBeUndefined();
    expect(inferenceWorkerOptionsFromConfig(config)).toMatchObject({
      encoder: { executionProvider: 'cpu' },
      batching: { maxBatch: 32, maxWaitMs: 5, queueLimit: 256 },
      consumerGroup: 'inference-worker.catalog',
      consumerConcurrency: 32,
      consumeCatalog: true,
    });
  });

  it('maps the encoder variables to module options', () => {
    const config = parseConfig(InferenceWorkerConfig, {
      COHORT_ENCODER_PROVIDER: 'cuda',
      COHORT_ENCODER_MAX_BATCH: '64',
      COHORT_ENCODER_MAX_WAIT_MS: '2.5',
      COHORT_ENCODER_QUEUE_LIMIT: '1024',
      COHORT_ENCODER_MODEL_DIR: '/models/v1',
      COHORT_ENCODER_THREADS: '4',
      COHORT_ENCODER_CONSUMER_CONCURRENCY: '16',
    });
    expect(inferenceWorkerOptionsFromConfig(config)).toMatchObject({
      encoder: { executionProvider: 'cuda', modelDir: '/models/v1', intraOpThreads: 4 },
      batching: { maxBatch: 64, maxWaitMs: 2.5, queueLimit: 1024 },
      consumerConcurrency: 16,
    });
  });

  it.each([
    [{ COHORT_ENCODER_PROVIDER: 'tensorrt' }, 'COHORT_ENCODER_PROVIDER'],
    [{ COHORT_ENCODER_MAX_BATCH: '0' }, 'COHORT_ENCODER_MAX_BATCH'],
    [{ COHORT_ENCODER_MAX_WAIT_MS: '-1' }, 'COHORT_ENCODER_MAX_WAIT_MS'],
    [{ COHORT_ENCODER_MAX_BATCH: '64', COHORT_ENCODER_QUEUE_LIMIT: '32' }, 'COHORT_ENCODER_QUEUE_LIMIT'],
  ])('refuses %o, naming %s', (env, variable) => {
    expect(() => parseConfig(InferenceWorkerConfig, env)).toThrow(ConfigError);
    try {
      parseConfig(InferenceWorkerConfig, env);
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.variable)).toEqual([variable]);
    }
  });
});
