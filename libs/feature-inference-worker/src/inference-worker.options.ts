/**
 * inference-worker's environment variables (a zod shape apps merge into their one config schema)
 * and the module options they map to. Defaults and trade-offs: docs/inference-worker.md.
 */
import { z } from 'zod';
import type { CohortHttpOptions } from '@cohort/nest-common';
import type { EncoderSettings } from './encoder/item-encoder.port';

export const inferenceWorkerConfigShape = {
  /** `cuda` on GPU pods; a requested provider that is not available falls back to cpu (warning + metric). */
  COHORT_ENCODER_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),
  /** Largest batch handed to one session run. */
  COHORT_ENCODER_MAX_BATCH: z.coerce.number().int().min(1).max(1024).default(32),
  /** Longest an item waits for its batch to fill. */
  COHORT_ENCODER_MAX_WAIT_MS: z.coerce.number().min(0).max(10_000).default(5),
  /** Items waiting at most (≥ max batch); beyond it HTTP answers 503 and consumers pause. */
  COHORT_ENCODER_QUEUE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(256),
  /**
   * Catalog items of one partition in flight at once, one per item id (default: the max batch, so
   * that one partition alone can fill a batch). Each holds its image bytes while it waits.
   */
  COHORT_ENCODER_CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(1024).optional(),
  /** Directory of the ONNX files and vocabulary (default: `.cache/models/<pinned version>`, see `npm run setup:models`). */
  COHORT_ENCODER_MODEL_DIR: z.string().min(1).optional(),
  /** ORT intra-op threads per session (default: ORT's choice, one per core). */
  COHORT_ENCODER_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  /** Largest image file accepted (bytes), on HTTP and from the blob store. */
  COHORT_ENCODER_MAX_IMAGE_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(8 * 1024 * 1024),
  /** Largest decoded image accepted (width × height). */
  COHORT_ENCODER_MAX_IMAGE_PIXELS: z.coerce.number().int().min(1).max(400_000_000).default(40_000_000),
};

/**
 * The cross-field rule of the shape: the queue holds at least one full batch
 * (COHORT_ENCODER_QUEUE_LIMIT ≥ COHORT_ENCODER_MAX_BATCH). Apps pass it to `.superRefine` of the
 * schema they merge the shape into, so a bad pair is a config error naming
 * COHORT_ENCODER_QUEUE_LIMIT; `inferenceWorkerOptionsFromConfig` applies it too.
 */
export function refineInferenceWorkerConfig(
  config: { readonly COHORT_ENCODER_MAX_BATCH: number; readonly COHORT_ENCODER_QUEUE_LIMIT: number },
  ctx: z.RefinementCtx,
): void {
  if (config.COHORT_ENCODER_QUEUE_LIMIT < config.COHORT_ENCODER_MAX_BATCH) {
    ctx.addIssue({ code: 'custom', path: ['COHORT_ENCODER_QUEUE_LIMIT'], message: `must be at least COHORT_ENCODER_MAX_BATCH (${config.COHORT_ENCODER_MAX_BATCH})` });
  }
}

const InferenceWorkerConfigValues = z.object(inferenceWorkerConfigShape).superRefine(refineInferenceWorkerConfig);

export interface InferenceWorkerOptions {
  readonly encoder: EncoderSettings;
  readonly batching: { readonly maxBatch: number; readonly maxWaitMs: number; readonly queueLimit: number };
  readonly maxImageBytes: number;
  readonly maxImagePixels: number;
  /** Consumer group of the catalog consumer: replicas share it and split the partitions. */
  readonly consumerGroup: string;
  /** Catalog items of one partition in flight at once. */
  readonly consumerConcurrency: number;
  /** false: HTTP only, no catalog consumer (default true). */
  readonly consumeCatalog: boolean;
}

export const INFERENCE_WORKER_OPTIONS = Symbol.for('cohort.InferenceWorkerOptions');

export const DEFAULT_CONSUMER_GROUP = 'inference-worker.catalog';

/** Options from an app's parsed config; variables its schema does not carry take their defaults. */
export function inferenceWorkerOptionsFromConfig(config: Readonly<Record<string, unknown>>): InferenceWorkerOptions {
  const values = InferenceWorkerConfigValues.parse(config);
  return {
    encoder: {
      modelDir: values.COHORT_ENCODER_MODEL_DIR,
      executionProvider: values.COHORT_ENCODER_PROVIDER,
      intraOpThreads: values.COHORT_ENCODER_THREADS,
    },
    batching: {
      maxBatch: values.COHORT_ENCODER_MAX_BATCH,
      maxWaitMs: values.COHORT_ENCODER_MAX_WAIT_MS,
      queueLimit: values.COHORT_ENCODER_QUEUE_LIMIT,
    },
    maxImageBytes: values.COHORT_ENCODER_MAX_IMAGE_BYTES,
    maxImagePixels: values.COHORT_ENCODER_MAX_IMAGE_PIXELS,
    consumerGroup: DEFAULT_CONSUMER_GROUP,
    consumerConcurrency: values.COHORT_ENCODER_CONSUMER_CONCURRENCY ?? values.COHORT_ENCODER_MAX_BATCH,
    consumeCatalog: true,
  };
}

/** Route of the binary image endpoint (octet-stream body). */
export const EMBED_IMAGE_ROUTE = 'v1/embed/image';

/**
 * The body limits `POST /v1/embed` and `POST /v1/embed/image` need, for the app's
 * CohortCommonModule: JSON large enough for a base64 image of `maxImageBytes` (4/3 of it plus
 * room for the text), raw bodies up to `maxImageBytes`. Larger bodies are answered 413.
 */
export function inferenceWorkerHttpOptions(options: Pick<InferenceWorkerOptions, 'maxImageBytes'>): CohortHttpOptions {
  return {
    jsonLimit: Math.ceil((options.maxImageBytes * 4) / 3) + 64 * 1024,
    rawBody: { routes: [EMBED_IMAGE_ROUTE], limit: options.maxImageBytes },
  };
}
