/**
 * A training plan: what one round of DP-FedAvg looks like for it. Validated once when the module
 * is configured; `samplingRate`, `noiseMultiplier` and `clipNorm` are the mechanism the
 * accountant charges for, so they are fixed for the plan's lifetime.
 */
import { z } from 'zod';
import { AggregationKind, PlanId } from '@cohort/contracts';

export const PlanSettings = z.object({
  planId: PlanId,
  samplingRate: z.number().gt(0).lte(1),
  noiseMultiplier: z.number().nonnegative(),
  clipNorm: z.number().positive(),
  minSurvivors: z.number().int().positive(),
  localLearningRate: z.number().positive(),
  uploadDeadlineMs: z.number().int().positive(),
  aggregation: AggregationKind,
});
export type PlanSettings = z.infer<typeof PlanSettings>;
