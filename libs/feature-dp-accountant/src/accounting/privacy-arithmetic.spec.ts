import { describe, expect, it } from 'vitest';
import { PldAccountant, RdpAccountant, gaussianEvent, poissonSampled } from '@cohort/dp';
import { PrivacyArithmetic, mergeCounts } from './privacy-arithmetic';

describe('PrivacyArithmetic', () => {
  const arithmetic = new PrivacyArithmetic(1e-5);

  it('adds round curves as the RDP accountant composes rounds', () => {
    const a = { samplingRate: 0.01, noiseMultiplier: 1 };
    const b = { samplingRate: 0.05, noiseMultiplier: 2 };
    const curve = arithmetic.add(arithmetic.zero(), arithmetic.roundCurve(a), arithmetic.roundCurve(a), arithmetic.roundCurve(b));
    const reference = new RdpAccountant().compose(poissonSampled(0.01, gaussianEvent(1)), 2).compose(poissonSampled(0.05, gaussianEvent(2)));
    expect(arithmetic.epsilon(curve)).toBeCloseTo(reference.getEpsilon(1e-5), 12);
  });

  it('gives the PLD bound of a composition, by mechanism', () => {
    const reference = new PldAccountant().compose(poissonSampled(0.3, gaussianEvent(1)), 3).compose(poissonSampled(0.1, gaussianEvent(2)), 2);
    const counts = [{ samplingRate: 0.3, noiseMultiplier: 1, rounds: 2 }, { samplingRate: 0.1, noiseMultiplier: 2, rounds: 2 }, { samplingRate: 0.3, noiseMultiplier: 1, rounds: 1 }];
    expect(arithmetic.pldEpsilon(counts)).toBeCloseTo(reference.getEpsilon(1e-5), 9);
    // PLD is the tighter bound here, and RDP never below it by more than discretisation.
    const rdp = arithmetic.epsilon(arithmetic.add(arithmetic.zero(), ...[1, 2, 3].map(() => arithmetic.roundCurve({ samplingRate: 0.3, noiseMultiplier: 1 })), ...[1, 2].map(() => arithmetic.roundCurve({ samplingRate: 0.1, noiseMultiplier: 2 }))));
    expect(arithmetic.pldEpsilon(counts)).toBeLessThan(rdp);
    expect(arithmetic.pldEpsilon([])).toBe(0);
  });

  it('reports a round without noise as unbounded, never as a number', () => {
    expect(arithmetic.roundEpsilon({ samplingRate: 0.3, noiseMultiplier: 0 })).toBe(Infinity);
    expect(arithmetic.pldEpsilon([{ samplingRate: 0.3, noiseMultiplier: 0, rounds: 1 }])).toBe(Infinity);
  });

  it('merges counts of the same mechanism in a stable order', () => {
    expect(mergeCounts([{ samplingRate: 0.3, noiseMultiplier: 1, rounds: 1 }, { samplingRate: 0.1, noiseMultiplier: 1, rounds: 2 }, { samplingRate: 0.3, noiseMultiplier: 1, rounds: 4 }])).toEqual([
      { samplingRate: 0.1, noiseMultiplier: 1, rounds: 2 },
      { samplingRate: 0.3, noiseMultiplier: 1, rounds: 5 },
    ]);
  });

  it('refuses a δ outside (0, 1)', () => {
    expect(() => new PrivacyArithmetic(0)).toThrow(/delta/);
  });
});
