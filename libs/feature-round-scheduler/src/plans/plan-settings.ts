/**
 * A training plan as the round state machine runs it: what one round of DP-FedAvg looks like.
 * Configured plans are validated once when the module is configured; operators' plans are
 * resolved from their `TrainingPlan` (plans/training-plan.resolver.ts). `samplingRate`,
 * `expectedDropout`, `noiseMultiplier` and `clipNorm` are the mechanism the accountant charges
 * for, so they are fixed once the plan has had a round.
 */
import { z } from 'zod';
import { AggregationKind, DeviceRequirements, PlanId } from '@cohort/contracts';

export const PlanSettings = z.object({
  planId: PlanId,
  samplingRate: z.number().gt(0).lte(1),
  noiseMultiplier: z.number().nonnegative(),
  clipNorm: z.number().positive(),
  minSurvivors: z.number().int().positive(),
  localLearningRate: z.number().positive(),
  uploadDeadlineMs: z.number().int().positive(),
  aggregation: AggregationKind,
  /** Absent: every consenting device is eligible. */
  devices: DeviceRequirements.optional(),
  /** Expected share of sampled devices that drop out: the scheduler over-selects for it (0: none). */
  expectedDropout: z.number().min(0).lt(1).optional(),
});
export type PlanSettings = z.infer<typeof PlanSettings>;

/**
 * Over-selection for expected dropouts (Bonawitz et al. 2019): sample at q / (1 − dropout), capped
 * at 1, so that the expected survivors are q·N. The accountant is charged for the rate actually
 * used, and the fixed denominator is the expected number of survivors.
 */
export function selectionRate(plan: Pick<PlanSettings, 'samplingRate' | 'expectedDropout'>): number {
  return Math.min(1, plan.samplingRate / (1 - (plan.expectedDropout ?? 0)));
}
