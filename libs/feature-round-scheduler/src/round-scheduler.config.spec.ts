import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RdpAccountant, dpFedAvgEvent } from '@cohort/dp';
import { planFromConfig, roundSchedulerConfigShape } from './round-scheduler.config';

const parse = (env: Record<string, string>) => planFromConfig(z.object(roundSchedulerConfigShape).parse(env));

describe('round-scheduler plan from config', () => {
  it('takes z as given by default, with no device requirements', () => {
    const plan = parse({ COHORT_NOISE_MULTIPLIER: '1.3' });
    expect(plan.noiseMultiplier).toBe(1.3);
    expect(plan.devices).toBeUndefined();
  });

  it('calibrates z to a target ε over the planned rounds: the smallest z whose ε stays within it', () => {
    const plan = parse({ COHORT_TARGET_EPSILON: '4', COHORT_SAMPLING_RATE: '0.2', COHORT_PLANNED_ROUNDS: '60', COHORT_DELTA: '1e-6' });
    const epsilonAt = (z: number) => {
      const accountant = new RdpAccountant();
      accountant.compose(dpFedAvgEvent(0.2, z, 60));
      return accountant.getEpsilon(1e-6);
    };
    expect(epsilonAt(plan.noiseMultiplier)).toBeLessThanOrEqual(4);
    expect(epsilonAt(plan.noiseMultiplier * 0.99)).toBeGreaterThan(4);
  });

  it('turns the device variables into the plan\'s hardware requirements', () => {
    const plan = parse({ COHORT_DEVICE_MIN_MEMORY_MB: '3072', COHORT_DEVICE_REQUIRE_CHARGING: 'true', COHORT_DEVICE_REQUIRE_UNMETERED: 'false' });
    expect(plan.devices).toEqual({ minMemoryMb: 3072, requireCharging: true, requireUnmeteredNetwork: false });
  });
});
