/**
 * The environment variables of round-scheduler (a zod shape that apps merge into their one
 * config schema) and their mapping to module options. Defaults suit a local run.
 */
import { z } from 'zod';
import { PlanId, type DeviceRequirements } from '@cohort/contracts';
import { calibrateNoiseMultiplier } from '@cohort/dp';
import { selectionRate, type PlanSettings } from './plans/plan-settings';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const roundSchedulerConfigShape = {
  COHORT_PLAN_ID: PlanId.default(PlanId.parse('plan-default')),
  COHORT_SAMPLING_RATE: z.coerce.number().gt(0).lte(1).default(0.3),
  COHORT_NOISE_MULTIPLIER: z.coerce.number().nonnegative().default(1.0),
  COHORT_CLIP_NORM: z.coerce.number().positive().default(1.0),
  COHORT_MIN_SURVIVORS: z.coerce.number().int().positive().default(3),
  /** The devices' local SGD step of each round (the model manifest's training plan, overridden per round). */
  COHORT_LOCAL_LEARNING_RATE: z.coerce.number().positive().default(0.2),
  COHORT_UPLOAD_DEADLINE_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * Calibrate z instead of setting it: the smallest noise multiplier whose ε over
   * COHORT_PLANNED_ROUNDS rounds at sampling rate q is at most this, at COHORT_DELTA (RDP).
   */
  COHORT_TARGET_EPSILON: z.coerce.number().positive().optional(),
  COHORT_PLANNED_ROUNDS: z.coerce.number().int().positive().default(100),
  COHORT_DELTA: z.coerce.number().gt(0).lt(1).default(1e-6),
  /** Over-selection: sample at q / (1 − this) so that q·N devices are expected to survive (the accountant charges the higher rate). */
  COHORT_EXPECTED_DROPOUT: z.coerce.number().min(0).lt(1).default(0),
  /** Hardware-aware eligibility: devices whose latest capability report falls short are not sampled. */
  COHORT_DEVICE_MIN_MEMORY_MB: z.coerce.number().int().positive().optional(),
  COHORT_DEVICE_MIN_BATTERY_PERCENT: z.coerce.number().min(0).max(100).optional(),
  COHORT_DEVICE_REQUIRE_CHARGING: flag.optional(),
  COHORT_DEVICE_REQUIRE_UNMETERED: flag.optional(),
};

export type RoundSchedulerConfig = z.infer<z.ZodObject<typeof roundSchedulerConfigShape>>;

export function planFromConfig(config: RoundSchedulerConfig): PlanSettings {
  const devices: DeviceRequirements = {
    ...(config.COHORT_DEVICE_MIN_MEMORY_MB === undefined ? {} : { minMemoryMb: config.COHORT_DEVICE_MIN_MEMORY_MB }),
    ...(config.COHORT_DEVICE_MIN_BATTERY_PERCENT === undefined ? {} : { minBatteryPercent: config.COHORT_DEVICE_MIN_BATTERY_PERCENT }),
    ...(config.COHORT_DEVICE_REQUIRE_CHARGING === undefined ? {} : { requireCharging: config.COHORT_DEVICE_REQUIRE_CHARGING }),
    ...(config.COHORT_DEVICE_REQUIRE_UNMETERED === undefined ? {} : { requireUnmeteredNetwork: config.COHORT_DEVICE_REQUIRE_UNMETERED }),
  };
  const noiseMultiplier = config.COHORT_TARGET_EPSILON === undefined
    ? config.COHORT_NOISE_MULTIPLIER
    : calibrateNoiseMultiplier({
      targetEpsilon: config.COHORT_TARGET_EPSILON, delta: config.COHORT_DELTA, steps: config.COHORT_PLANNED_ROUNDS,
      samplingRate: selectionRate({ samplingRate: config.COHORT_SAMPLING_RATE, expectedDropout: config.COHORT_EXPECTED_DROPOUT }),
    }).noiseMultiplier;
  return {
    ...(Object.keys(devices).length === 0 ? {} : { devices }),
    ...(config.COHORT_EXPECTED_DROPOUT === 0 ? {} : { expectedDropout: config.COHORT_EXPECTED_DROPOUT }),
    planId: config.COHORT_PLAN_ID,
    samplingRate: config.COHORT_SAMPLING_RATE,
    noiseMultiplier,
    clipNorm: config.COHORT_CLIP_NORM,
    minSurvivors: config.COHORT_MIN_SURVIVORS,
    localLearningRate: config.COHORT_LOCAL_LEARNING_RATE,
    uploadDeadlineMs: config.COHORT_UPLOAD_DEADLINE_MS,
    aggregation: 'secagg-plus',
  };
}
