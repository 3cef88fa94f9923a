/**
 * The environment variables of model-registry (a zod shape that apps merge into their one
 * config schema) and their mapping to module options: the plan's two-tower architecture, how
 * devices train, and the server optimizer. The catalog is the app's to give (standalone mode reads
 * the Instacart products); without one, a seeded synthetic catalog of COHORT_CATALOG_ITEMS items.
 * Defaults suit a local run: an ID-only model small enough for SecAgg+ rounds on one machine.
 * Content plans are defined by operators and take the catalog the encoder embedded (960-d).
 */
import { z } from 'zod';
import { PlanId, type LocalTrainingPlan, type ServerOptimizer, type TwoTowerConfig } from '@cohort/contracts';
import { syntheticCatalog } from '@cohort/ml';
import type { ModelRegistryOptions } from './model-registry.options';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const modelRegistryConfigShape = {
  COHORT_PLAN_ID: PlanId.default(PlanId.parse('plan-default')),
  COHORT_CATALOG_ITEMS: z.coerce.number().int().min(2).max(1_000_000).default(200),
  COHORT_CATALOG_CATEGORIES: z.coerce.number().int().min(1).default(10),
  COHORT_AUTO_PROMOTE: flag.default(true),
  /** Width of the encoder's item embeddings (CatalogItemEmbedded), hence of content plans' content towers. */
  COHORT_CATALOG_EMBEDDING_DIM: z.coerce.number().int().min(1).max(4096).default(960),
  /** Rows of the hashed item-ID embedding. */
  COHORT_MODEL_ID_BUCKETS: z.coerce.number().int().min(1).max(1 << 20).default(4096),
  COHORT_MODEL_EMBEDDING_DIM: z.coerce.number().int().min(1).max(512).default(16),
  COHORT_MODEL_HIDDEN_DIM: z.coerce.number().int().min(1).max(2048).default(32),
  COHORT_MODEL_SEED: z.coerce.number().int().min(0).default(1),
  COHORT_LOCAL_EPOCHS: z.coerce.number().int().min(1).max(100).default(1),
  COHORT_LOCAL_LEARNING_RATE: z.coerce.number().positive().default(0.2),
  COHORT_LOCAL_NEGATIVES: z.coerce.number().int().min(1).max(10_000).default(64),
  COHORT_SERVER_OPTIMIZER: z.enum(['fedadam', 'fedavg']).default('fedadam'),
  COHORT_SERVER_LEARNING_RATE: z.coerce.number().positive().default(0.05),
};

export type ModelRegistryConfig = z.infer<z.ZodObject<typeof modelRegistryConfigShape>>;

export function planModelConfig(config: ModelRegistryConfig): { config: TwoTowerConfig; training: LocalTrainingPlan; optimizer: ServerOptimizer } {
  return {
    config: {
      contentDim: 0, idBuckets: config.COHORT_MODEL_ID_BUCKETS, embeddingDim: config.COHORT_MODEL_EMBEDDING_DIM,
      hiddenDim: config.COHORT_MODEL_HIDDEN_DIM, poolingDecay: 0.9, recencyDecay: 0.7,
    },
    training: {
      epochs: config.COHORT_LOCAL_EPOCHS, learningRate: config.COHORT_LOCAL_LEARNING_RATE, negatives: config.COHORT_LOCAL_NEGATIVES,
      loss: 'sampled-softmax', reconstructionEpochs: 1, privateLearningRate: 0.1, privateL2: 0.1, maxExamplesPerEpoch: 8,
    },
    optimizer: config.COHORT_SERVER_OPTIMIZER === 'fedavg'
      ? { kind: 'fedavg', learningRate: config.COHORT_SERVER_LEARNING_RATE }
      : { kind: 'fedadam', learningRate: config.COHORT_SERVER_LEARNING_RATE, beta1: 0.9, beta2: 0.99, tau: 1e-3 },
  };
}

/** Module options; `itemIds` is the plan's catalog when the app has one. */
export function modelRegistryOptionsFromConfig(config: ModelRegistryConfig, itemIds?: readonly string[]): ModelRegistryOptions {
  const catalog = itemIds ?? syntheticCatalog(config.COHORT_CATALOG_ITEMS, config.COHORT_CATALOG_CATEGORIES).itemIds;
  return {
    plans: [{ planId: config.COHORT_PLAN_ID, itemIds: catalog, seed: config.COHORT_MODEL_SEED, ...planModelConfig(config) }],
    autoPromote: config.COHORT_AUTO_PROMOTE,
    catalogEmbeddingDim: config.COHORT_CATALOG_EMBEDDING_DIM,
  };
}
