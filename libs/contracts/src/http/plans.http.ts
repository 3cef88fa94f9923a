/**
 * Training plans as operators define them on round-scheduler (`POST /v1/plans`,
 * `PUT /v1/plans/{planId}`, `GET /v1/plans[/{planId}]`, `npx cohort plan …`): what one round of
 * DP-FedAvg looks like for the plan, and what the model registry trains for it.
 *
 * The mechanism the accountant charges — the selection rate q/(1 − expectedDropout), the noise
 * multiplier z and the clip norm C — is resolved once, when the plan is created, and cannot change
 * after the plan's first round (409): rounds already charged were charged for it.
 */
import { z } from 'zod';
import { PlanId } from '../ids';
import { AggregationKind } from '../events/round.events';
import { LocalTrainingPlan, ServerOptimizer, TwoTowerConfig } from './model.http';

/**
 * Poisson sampling: a rate q, or a target expected cohort size s, which fixes q = min(1, s / N)
 * with N the users eligible for the plan (consenting, devices meeting `devices`) when the plan is
 * created. q is not re-derived as the population grows: the mechanism stays what was charged.
 */
export const PlanSampling = z.union(
  [
    z.object({ samplingRate: z.number().gt(0).lte(1) }).strict(),
    z.object({ targetCohortSize: z.number().int().positive().max(1_000_000) }).strict(),
  ],
  { error: 'give either { samplingRate } in (0, 1] or { targetCohortSize }, a positive integer' },
);
export type PlanSampling = z.infer<typeof PlanSampling>;

/**
 * The noise: a multiplier z (σ = z·C on the sum), or a target (ε, δ) over `plannedRounds` rounds,
 * calibrated to the smallest z whose RDP ε at the plan's selection rate stays within the target.
 */
export const PlanPrivacy = z.union(
  [
    z.object({ noiseMultiplier: z.number().nonnegative().max(1e6) }).strict(),
    z
      .object({
        targetEpsilon: z.number().positive().max(1e6),
        delta: z.number().gt(0).lt(1),
        plannedRounds: z.number().int().positive().max(1_000_000),
      })
      .strict(),
  ],
  { error: 'give either { noiseMultiplier } ≥ 0 or { targetEpsilon, delta, plannedRounds }' },
);
export type PlanPrivacy = z.infer<typeof PlanPrivacy>;

/**
 * Per-round deadlines of the plan. The SecAgg+ stage timeouts are secure-aggregator's
 * (COHORT_SECAGG_STAGE_TIMEOUT_MS), not a plan's.
 */
export const PlanDeadlines = z
  .object({
    /** From the round's opening to the end of its upload (the device-facing deadline of every task). */
    uploadMs: z.number().int().min(1_000).max(24 * 60 * 60 * 1000),
  })
  .strict();
export type PlanDeadlines = z.infer<typeof PlanDeadlines>;

/** Which devices may train for the plan (hardware-aware eligibility), from their latest capability report. */
export const DeviceRequirements = z
  .object({
    minMemoryMb: z.number().int().positive(),
    minBatteryPercent: z.number().min(0).max(100),
    requireCharging: z.boolean(),
    requireUnmeteredNetwork: z.boolean(),
    accelerators: z.array(z.enum(['cpu', 'gpu', 'npu'])).min(1),
  })
  .partial()
  .strict();
export type DeviceRequirements = z.infer<typeof DeviceRequirements>;

/**
 * How devices train: the learning rate of their local step (sent with every task), and whatever
 * else of the registry's local training plan the plan overrides (epochs, negatives, …; absent:
 * model-registry's COHORT_LOCAL_* configuration).
 */
export const PlanLocalTraining = LocalTrainingPlan.partial().required({ learningRate: true });
export type PlanLocalTraining = z.infer<typeof PlanLocalTraining>;

const trainingPlanShape = {
  planId: PlanId,
  sampling: PlanSampling,
  privacy: PlanPrivacy,
  /** L2 bound C of each user's update. */
  clipNorm: z.number().positive().max(1e6),
  /** Fewer surviving devices abort the round (nothing released, nothing charged). */
  minSurvivors: z.number().int().positive().max(100_000),
  deadlines: PlanDeadlines,
  training: PlanLocalTraining,
  /** The registry's server step; absent: its COHORT_SERVER_* configuration. */
  serverOptimizer: ServerOptimizer.optional(),
  /** The two-tower architecture (the feature choice: content tower, ID buckets); absent: the registry's COHORT_MODEL_*. Fixed at creation. */
  model: TwoTowerConfig.optional(),
  /** Absent: every consenting device is eligible. */
  devices: DeviceRequirements.optional(),
  /** Expected share of sampled devices that drop out: the scheduler samples at q / (1 − this). */
  expectedDropout: z.number().min(0).lt(1).optional(),
  aggregation: AggregationKind.optional(),
};

/** The body of `POST /v1/plans` (and of `PUT /v1/plans/{planId}`, whose path names the plan). */
export const TrainingPlan = z.object(trainingPlanShape).strict();
export type TrainingPlan = z.infer<typeof TrainingPlan>;

/** The mechanism a plan's rounds run, as resolved at its creation. */
export const ResolvedMechanism = z.object({
  /** q: expected survivors are q·N. */
  samplingRate: z.number().gt(0).lte(1),
  /** q / (1 − expectedDropout), capped at 1: the rate the cohort is drawn at and charged for. */
  selectionRate: z.number().gt(0).lte(1),
  noiseMultiplier: z.number().nonnegative(),
  clipNorm: z.number().positive(),
  /** N when q was derived from a target cohort size; null otherwise. */
  eligibleAtCreation: z.number().int().nonnegative().nullable(),
  /** RDP ε over `plannedRounds` at the calibrated z (≤ the target); null when z was given. */
  calibratedEpsilon: z.number().nonnegative().nullable(),
});
export type ResolvedMechanism = z.infer<typeof ResolvedMechanism>;

/** `GET /v1/plans/{planId}`: the plan as defined, and what it resolved to. */
export const TrainingPlanView = z.object({
  ...trainingPlanShape,
  aggregation: AggregationKind,
  /** `config`: the plan of the scheduler's environment (COHORT_*), read-only here. */
  source: z.enum(['config', 'api']),
  mechanism: ResolvedMechanism,
  /** Rounds opened under the plan so far; from the first one on, the mechanism is locked. */
  roundsOpened: z.number().int().nonnegative(),
  createdAt: z.iso.datetime({ offset: true }).nullable(),
  updatedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type TrainingPlanView = z.infer<typeof TrainingPlanView>;

/** `GET /v1/plans`. */
export const TrainingPlanList = z.object({ plans: z.array(TrainingPlanView) });
export type TrainingPlanList = z.infer<typeof TrainingPlanList>;
