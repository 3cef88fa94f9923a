/**
 * From an operator's TrainingPlan to the PlanSettings the round state machine runs and the
 * mechanism it resolved to. Pure: the eligible population N is the caller's to count.
 *
 * Invariants:
 * - q = samplingRate, or min(1, targetCohortSize / N) with N the plan's eligible users at creation;
 * - a target ε is calibrated at the selection rate q / (1 − expectedDropout) actually charged, with
 *   `@cohort/dp`'s calibrateNoiseMultiplier (RDP), so the accountant's ε over `plannedRounds`
 *   rounds is at most the target; calibration is deterministic, so the same plan resolves to the
 *   same z every time.
 */
import type { PlanSampling, ResolvedMechanism, TrainingPlan } from '@cohort/contracts';
import { calibrateNoiseMultiplier, DpError } from '@cohort/dp';
import { RoundSchedulerError, RoundSchedulerErrorCode } from '../rounds/round-scheduler.error';
import { PlanSettings, selectionRate } from './plan-settings';

/** The sampling rate of `sampling` over `eligible` users (the count is only needed for a target size). */
export function samplingRateOf(sampling: PlanSampling, eligible: number): number {
  if ('samplingRate' in sampling) return sampling.samplingRate;
  if (eligible === 0) {
    throw new RoundSchedulerError(
      RoundSchedulerErrorCode.NoEligibleUsers,
      `no user is eligible for the plan yet, so a target cohort size of ${sampling.targetCohortSize} gives no sampling rate; give sampling.samplingRate, or define the plan once devices have enrolled`,
    );
  }
  return Math.min(1, sampling.targetCohortSize / eligible);
}

export interface ResolvedPlan {
  readonly settings: PlanSettings;
  readonly mechanism: ResolvedMechanism;
}

export function resolveTrainingPlan(plan: TrainingPlan, sampling: { samplingRate: number; eligibleAtCreation: number | null }): ResolvedPlan {
  const q = sampling.samplingRate;
  const charged = selectionRate({ samplingRate: q, expectedDropout: plan.expectedDropout });
  let noiseMultiplier: number;
  let calibratedEpsilon: number | null = null;
  if ('noiseMultiplier' in plan.privacy) {
    noiseMultiplier = plan.privacy.noiseMultiplier;
  } else {
    const { targetEpsilon, delta, plannedRounds } = plan.privacy;
    try {
      const calibration = calibrateNoiseMultiplier({ targetEpsilon, delta, steps: plannedRounds, samplingRate: charged });
      noiseMultiplier = calibration.noiseMultiplier;
      calibratedEpsilon = calibration.epsilon;
    } catch (error) {
      if (!(error instanceof DpError)) throw error;
      throw new RoundSchedulerError(RoundSchedulerErrorCode.InvalidPlan, `privacy cannot be calibrated: ${error.message}`, {
        errors: [{ field: 'privacy', message: error.message }],
      });
    }
  }
  const settings = PlanSettings.parse({
    planId: plan.planId,
    samplingRate: q,
    noiseMultiplier,
    clipNorm: plan.clipNorm,
    minSurvivors: plan.minSurvivors,
    localLearningRate: plan.training.learningRate,
    uploadDeadlineMs: plan.deadlines.uploadMs,
    aggregation: plan.aggregation ?? 'secagg-plus',
    ...(plan.devices === undefined ? {} : { devices: plan.devices }),
    ...(plan.expectedDropout === undefined || plan.expectedDropout === 0 ? {} : { expectedDropout: plan.expectedDropout }),
  });
  return {
    settings,
    mechanism: {
      samplingRate: q, selectionRate: charged, noiseMultiplier, clipNorm: plan.clipNorm,
      eligibleAtCreation: sampling.eligibleAtCreation, calibratedEpsilon,
    },
  };
}

/** The parts of the mechanism that differ between two resolutions (empty: the same mechanism). */
export function mechanismChanges(before: ResolvedMechanism, after: ResolvedMechanism): string[] {
  const fields = ['samplingRate', 'selectionRate', 'noiseMultiplier', 'clipNorm'] as const;
  return fields.filter((field) => before[field] !== after[field]).map((field) => `${field} ${before[field]} → ${after[field]}`);
}
