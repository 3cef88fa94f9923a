import { describe, expect, it } from 'vitest';
import { applyServerStep } from './server-optimizer';

describe('server optimizers', () => {
  it('FedAvg adds learningRate · sum / (q·N)', () => {
    // [1, 2] + 0.5 · [4, −2] / 4 = [1.5, 1.75]
    const { params, state } = applyServerStep(Float32Array.of(1, 2), { step: 0 }, [4, -2], 4, { kind: 'fedavg', learningRate: 0.5 });
    expect(Array.from(params)).toEqual([1.5, 1.75]);
    expect(state).toEqual({ step: 1 });
  });

  it('FedAdam follows Reddi et al. (2021), Alg. 2, step by step', () => {
    const optimizer = { kind: 'fedadam' as const, learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 0.01 };
    // Δ = [2, −4] / 2 = [1, −2]; m = 0.1·Δ = [0.1, −0.2]; v = 0.01·Δ² = [0.01, 0.04]
    // x = 0 + 0.1 · m / (√v + τ) = [0.1·0.1/0.11, 0.1·−0.2/0.21]
    const one = applyServerStep(Float32Array.of(0, 0), { step: 0 }, [2, -4], 2, optimizer);
    expect(Array.from(one.params)).toEqual([Math.fround(0.01 / 0.11), Math.fround(-0.02 / 0.21)]);
    expect(Array.from(one.state.m!)).toEqual([Math.fround(0.1), Math.fround(-0.2)]);
    // second round, Δ = [0, 0]: m = 0.9·m, v = 0.99·v, and the step keeps the direction of m
    const two = applyServerStep(one.params, one.state, [0, 0], 2, optimizer);
    const m = [0.9 * Math.fround(0.1), 0.9 * Math.fround(-0.2)];
    const v = [0.99 * Math.fround(0.01), 0.99 * Math.fround(0.04)];
    expect(two.params[0]).toBeCloseTo(one.params[0]! + (0.1 * m[0]!) / (Math.sqrt(v[0]!) + 0.01), 6);
    expect(two.params[1]).toBeCloseTo(one.params[1]! + (0.1 * m[1]!) / (Math.sqrt(v[1]!) + 0.01), 6);
    expect(two.state.step).toBe(2);
  });

  it('refuses a sum of another length and a non-positive denominator', () => {
    expect(() => applyServerStep(Float32Array.of(1), { step: 0 }, [1, 2], 1, { kind: 'fedavg', learningRate: 1 })).toThrow(/2 entries/);
    expect(() => applyServerStep(Float32Array.of(1), { step: 0 }, [1], 0, { kind: 'fedavg', learningRate: 1 })).toThrow(/expectedCohortSize/);
  });
});
