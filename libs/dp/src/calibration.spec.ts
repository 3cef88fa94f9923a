// Calibration round-trips: ε(calibrate(ε)) ≤ ε and within 1 %, on both accountants.
import { describe, expect, it } from 'vitest';
import { calibrateNoiseMultiplier, dpFedAvgEvent } from './calibration';
import { DpError } from './dp-error';
import { PldAccountant } from './pld-accountant';
import { RdpAccountant } from './rdp-accountant';

describe('calibrateNoiseMultiplier', () => {
  const rdpCases = [
    { targetEpsilon: 1, delta: 1e-5, samplingRate: 0.01, steps: 1000 },
    { targetEpsilon: 8, delta: 1e-6, samplingRate: 0.001, steps: 10_000 },
    { targetEpsilon: 3, delta: 1e-5, samplingRate: 0.2, steps: 50 },
    { targetEpsilon: 0.5, delta: 1e-5, samplingRate: 1, steps: 1 },
    { targetEpsilon: 20, delta: 1e-5, samplingRate: 0.05, steps: 100 },
  ];

  it.each(rdpCases)('round-trips on RDP: ε=$targetEpsilon q=$samplingRate T=$steps', (c) => {
    const { noiseMultiplier, epsilon } = calibrateNoiseMultiplier(c);
    const check = new RdpAccountant().compose(dpFedAvgEvent(c.samplingRate, noiseMultiplier, c.steps)).getEpsilon(c.delta);
    expect(check).toBe(epsilon);
    expect(check).toBeLessThanOrEqual(c.targetEpsilon);
    expect(check).toBeGreaterThanOrEqual(0.99 * c.targetEpsilon);
  });

  it('round-trips on PLD', () => {
    const c = { targetEpsilon: 2, delta: 1e-5, samplingRate: 0.02, steps: 200 };
    const { noiseMultiplier } = calibrateNoiseMultiplier({ ...c, accountant: 'pld', valueDiscretizationInterval: 1e-3 });
    const check = new PldAccountant({ valueDiscretizationInterval: 1e-3 })
      .compose(dpFedAvgEvent(c.samplingRate, noiseMultiplier, c.steps))
      .getEpsilon(c.delta);
    expect(check).toBeLessThanOrEqual(c.targetEpsilon);
    expect(check).toBeGreaterThanOrEqual(0.99 * c.targetEpsilon);
  });

  it('needs less noise under PLD than under RDP for the same target', () => {
    const c = { targetEpsilon: 2, delta: 1e-5, samplingRate: 0.02, steps: 200, valueDiscretizationInterval: 1e-3 };
    expect(calibrateNoiseMultiplier({ ...c, accountant: 'pld' }).noiseMultiplier).toBeLessThan(
      calibrateNoiseMultiplier(c).noiseMultiplier,
    );
  });

  it('reports an unreachable target instead of returning too little noise', () => {
    expect(() => calibrateNoiseMultiplier({ targetEpsilon: 1e-9, delta: 1e-5, samplingRate: 1, steps: 1e6 })).toThrow(DpError);
    expect(() => calibrateNoiseMultiplier({ targetEpsilon: 1, delta: 0, samplingRate: 0.1, steps: 1 })).toThrow(/delta/);
  });
});
