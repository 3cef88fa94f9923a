/**
 * The environment variables of model-registry and their mapping to module options. Until the data
 * issue brings the real catalog, each plan's model scores a seeded synthetic catalog.
 */
import { z } from 'zod';
import { PlanId } from '@cohort/contracts';
import { syntheticCatalog } from '@cohort/ml';
import type { ModelRegistryOptions } from './versions/model-versions.service';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const modelRegistryConfigShape = {
  COHORT_PLAN_ID: PlanId.default(PlanId.parse('plan-default')),
  COHORT_CATALOG_ITEMS: z.coerce.number().int().min(2).max(1_000_000).default(200),
  COHORT_CATALOG_CATEGORIES: z.coerce.number().int().min(1).default(10),
  COHORT_AUTO_PROMOTE: flag.default(true),
  COHORT_SERVER_LEARNING_RATE: z.coerce.number().positive().default(1),
};

export type ModelRegistryConfig = z.infer<z.ZodObject<typeof modelRegistryConfigShape>>;

export function modelRegistryOptionsFromConfig(config: ModelRegistryConfig): ModelRegistryOptions {
  const catalog = syntheticCatalog(config.COHORT_CATALOG_ITEMS, config.COHORT_CATALOG_CATEGORIES);
  return {
    plans: [{ planId: config.COHORT_PLAN_ID, itemIds: catalog.itemIds }],
    autoPromote: config.COHORT_AUTO_PROMOTE,
    serverLearningRate: config.COHORT_SERVER_LEARNING_RATE,
  };
}
