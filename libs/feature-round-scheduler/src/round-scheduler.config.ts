/**
 * The environment variables of round-scheduler (a zod shape that apps merge into their one
 * config schema) and their mapping to module options. Defaults suit a local run.
 */
import { z } from 'zod';
import { PlanId } from '@cohort/contracts';
import type { PlanSettings } from './plans/plan-settings';

export const roundSchedulerConfigShape = {
  COHORT_PLAN_ID: PlanId.default(PlanId.parse('plan-default')),
  COHORT_SAMPLING_RATE: z.coerce.number().gt(0).lte(1).default(0.3),
  COHORT_NOISE_MULTIPLIER: z.coerce.number().nonnegative().default(1.0),
  COHORT_CLIP_NORM: z.coerce.number().positive().default(1.0),
  COHORT_MIN_SURVIVORS: z.coerce.number().int().positive().default(3),
  /** The devices' local SGD step of each round (the model manifest's training plan, overridden per round). */
  COHORT_LOCAL_LEARNING_RATE: z.coerce.number().positive().default(0.2),
  COHORT_UPLOAD_DEADLINE_MS: z.coerce.number().int().positive().default(10_000),
};

export type RoundSchedulerConfig = z.infer<z.ZodObject<typeof roundSchedulerConfigShape>>;

export function planFromConfig(config: RoundSchedulerConfig): PlanSettings {
  return {
    planId: config.COHORT_PLAN_ID,
    samplingRate: config.COHORT_SAMPLING_RATE,
    noiseMultiplier: config.COHORT_NOISE_MULTIPLIER,
    clipNorm: config.COHORT_CLIP_NORM,
    minSurvivors: config.COHORT_MIN_SURVIVORS,
    localLearningRate: config.COHORT_LOCAL_LEARNING_RATE,
    uploadDeadlineMs: config.COHORT_UPLOAD_DEADLINE_MS,
    aggregation: 'secagg-plus',
  };
}
