/** The config variables of secure aggregation, shared by secure-aggregator and standalone. */
import { z } from 'zod';
import type { SecAggOptions } from './secagg.options';

export const secureAggregatorConfigShape = {
  /** How long each SecAgg+ stage waits for devices before closing with whoever answered. */
  COHORT_SECAGG_STAGE_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** How often open sessions are checked against their stage deadline. */
  COHORT_DEADLINE_SWEEP_MS: z.coerce.number().int().min(10).default(250),
  /** Cohorts larger than this are sharded into balanced groups, one SecAgg+ session each. */
  COHORT_SECAGG_MAX_GROUP_SIZE: z.coerce.number().int().min(3).max(100_000).default(1_000),
  /** Assumed corrupt fraction γ and dropout fraction δ, for the Harary degree and threshold (Bell et al. 2020). */
  COHORT_SECAGG_CORRUPT_FRACTION: z.coerce.number().min(0).max(0.5).default(0.05),
  COHORT_SECAGG_DROPOUT_FRACTION: z.coerce.number().min(0).max(0.5).default(0.1),
  /** Comma-separated base URLs of the aggregator replicas; group g is served by replica g mod R. */
  COHORT_SECAGG_REPLICA_URLS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((u) => u.trim()).filter((u) => u.length > 0))
    .pipe(z.array(z.url())),
  /** This replica's index in COHORT_SECAGG_REPLICA_URLS. */
  COHORT_SECAGG_REPLICA_INDEX: z.coerce.number().int().min(0).default(0),
  /** How long past a stage deadline another replica waits before closing a group it does not own. */
  COHORT_SECAGG_TAKEOVER_GRACE_MS: z.coerce.number().int().min(0).default(2_000),
};

export type SecAggConfig = z.output<z.ZodObject<typeof secureAggregatorConfigShape>>;

export function secureAggregatorOptionsFromConfig(config: SecAggConfig): SecAggOptions {
  return {
    stageTimeoutMs: config.COHORT_SECAGG_STAGE_TIMEOUT_MS,
    deadlineSweepMs: config.COHORT_DEADLINE_SWEEP_MS,
    maxGroupSize: config.COHORT_SECAGG_MAX_GROUP_SIZE,
    corruptFraction: config.COHORT_SECAGG_CORRUPT_FRACTION,
    dropoutFraction: config.COHORT_SECAGG_DROPOUT_FRACTION,
    replicaUrls: config.COHORT_SECAGG_REPLICA_URLS,
    replicaIndex: config.COHORT_SECAGG_REPLICA_INDEX,
    takeoverGraceMs: config.COHORT_SECAGG_TAKEOVER_GRACE_MS,
  };
}
