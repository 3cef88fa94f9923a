/**
 * Standalone mode's one config schema: every service's variables, plus the simulation's. All
 * services share one process, one port, the embedded bus and in-memory stores.
 */
import { z } from 'zod';
import { clientRegistryConfigShape } from '@cohort/feature-client-registry';
import { dpAccountantConfigShape } from '@cohort/feature-dp-accountant';
import { secureAggregatorConfigShape } from '@cohort/feature-secure-aggregator';
import { modelRegistryConfigShape } from '@cohort/feature-model-registry';
import { roundSchedulerConfigShape } from '@cohort/feature-round-scheduler';
import { commonConfigSchema, LOG_LEVELS } from '@cohort/nest-common';

export const StandaloneConfig = commonConfigSchema.extend({
  ...clientRegistryConfigShape,
  ...roundSchedulerConfigShape,
  ...modelRegistryConfigShape,
  ...dpAccountantConfigShape,
  ...secureAggregatorConfigShape,
  COHORT_MODE: z.literal('standalone').default('standalone'),
  /** The run's report is the interesting output here; request logs appear from `info` on. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('warn'),
  COHORT_ROUNDS: z.coerce.number().int().min(0).max(10_000).default(3),
  /** Whose purchases the simulated devices hold: the real Instacart sample (one user per device) or a seeded synthetic catalog. */
  COHORT_POPULATION: z.enum(['instacart', 'synthetic']).default('instacart'),
  /** Devices to simulate (Instacart: its first N users, at most 593). */
  COHORT_DEVICES: z.coerce.number().int().min(1).max(100_000).default(593),
  /** Share of the devices held out: they never train and evaluate each new version (HR@10 in the round table). */
  COHORT_EVALUATION_SHARE: z.coerce.number().min(0).max(0.5).default(0.1),
  COHORT_DROPOUT_RATE: z.coerce.number().min(0).max(1).default(0.1),
  /** Orders per simulated user (synthetic population only). */
  COHORT_SYNTHETIC_ORDERS: z.coerce.number().int().min(2).max(1_000).default(8),
  COHORT_SIMULATION_SEED: z.coerce.number().int().default(42),
  COHORT_DEADLINE_SWEEP_MS: z.coerce.number().int().min(10).default(100),
  /**
   * Devices that drop out leave a stage waiting for its deadline: short stages keep the demo brisk,
   * long enough for every simulated device of one process to train and mask its update.
   */
  COHORT_SECAGG_STAGE_TIMEOUT_MS: z.coerce.number().int().min(100).default(6_000),
  /** Exit after the simulated rounds instead of serving until stopped (tests, batch runs). */
  COHORT_EXIT_AFTER_ROUNDS: z.enum(['true', 'false']).transform((v) => v === 'true').default(false),
});
export type StandaloneConfig = z.output<typeof StandaloneConfig>;
