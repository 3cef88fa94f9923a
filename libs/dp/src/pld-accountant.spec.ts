// PLD accountant against dp_accounting's PLDAccountant (pessimistic) and its optimistic PLD.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError } from './dp-error';
import {
  composed,
  gaussianEvent,
  laplaceEvent,
  poissonSampled,
  sampledWithoutReplacement,
  selfComposed,
} from './dp-event';
import { PldAccountant } from './pld-accountant';
import { gaussianPld } from './pld-mechanisms';
import { composePmf, deltaForEpsilon, epsilonForDelta, selfComposePmf } from './pld-pmf';
import { RdpAccountant } from './rdp-accountant';

interface PldCase {
  mechanism: 'gaussian' | 'laplace';
  samplingRate: number;
  noiseMultiplier: number;
  steps: number;
  valueDiscretizationInterval: number;
  deltas: number[];
  epsilonPessimistic: number[];
  epsilonOptimistic: number[];
  epsilons: number[];
  deltaPessimistic: number[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/pld.json'), 'utf8')) as { cases: PldCase[] };

const eventOf = (c: Pick<PldCase, 'mechanism' | 'samplingRate' | 'noiseMultiplier' | 'steps'>) => {
  const inner = c.mechanism === 'gaussian' ? gaussianEvent(c.noiseMultiplier) : laplaceEvent(c.noiseMultiplier);
  return selfComposed(c.samplingRate === 1 ? inner : poissonSampled(c.samplingRate, inner), c.steps);
};
const label = (c: PldCase) => `${c.mechanism} q=${c.samplingRate} z=${c.noiseMultiplier} T=${c.steps} h=${c.valueDiscretizationInterval}`;

describe('PldAccountant against dp_accounting', () => {
  // Composing c.steps events: built once per case, shared by the assertions below.
  const results = fixture.cases.map((c) => ({
    c,
    acc: new PldAccountant({ valueDiscretizationInterval: c.valueDiscretizationInterval }).compose(eventOf(c)),
  }));

  it('ε(δ) is within one discretisation interval of dp_accounting at the same interval', () => {
    for (const { c, acc } of results) {
      c.deltas.forEach((d, i) => {
        expect(Math.abs(acc.getEpsilon(d) - c.epsilonPessimistic[i]), `${label(c)} δ=${d}`).toBeLessThan(
          c.valueDiscretizationInterval,
        );
      });
    }
  });

  it('ε(δ) is never below the optimistic bound (the estimate stays pessimistic)', () => {
    for (const { c, acc } of results) {
      c.deltas.forEach((d, i) => expect(acc.getEpsilon(d), `${label(c)} δ=${d}`).toBeGreaterThanOrEqual(c.epsilonOptimistic[i]));
    }
  });

  it('δ(ε) matches dp_accounting to 1e-4 relative, or 1e-11 absolute below its float noise floor', () => {
    for (const { c, acc } of results) {
      c.epsilons.forEach((e, i) => {
        const want = c.deltaPessimistic[i];
        const got = acc.getDelta(e);
        // Each PLD bin is a difference of CDFs near 1 (absolute noise ~1e-16 per bin in both
        // implementations), so δ below ~1e-9 agrees in absolute, not relative, terms.
        if (want > 1e-9) expect(Math.abs(got - want) / want, `${label(c)} ε=${e}`).toBeLessThan(1e-4);
        else expect(Math.abs(got - want), `${label(c)} ε=${e}`).toBeLessThan(1e-11);
      });
    }
  });
});

describe('PldAccountant: semantics', () => {
  it('is tighter than RDP for the DP-FedAvg case and agrees with it to within RDP slack', () => {
    const event = selfComposed(poissonSampled(0.01, gaussianEvent(1)), 1000);
    const pld = new PldAccountant({ valueDiscretizationInterval: 1e-3 }).compose(event).getEpsilon(1e-5);
    const rdp = new RdpAccountant().compose(event).getEpsilon(1e-5);
    expect(pld).toBeLessThan(rdp);
    expect(pld).toBeGreaterThan(0.7 * rdp);
  });

  it('composes a tree of Gaussians on one sample as their effective Gaussian', () => {
    const tree = poissonSampled(0.05, composed([gaussianEvent(1.2), gaussianEvent(3)]));
    const z = 1 / Math.sqrt(1 / 1.2 ** 2 + 1 / 9);
    const a = new PldAccountant({ valueDiscretizationInterval: 1e-3 }).compose(tree, 50).getEpsilon(1e-5);
    const b = new PldAccountant({ valueDiscretizationInterval: 1e-3 }).compose(poissonSampled(0.05, gaussianEvent(z)), 50).getEpsilon(1e-5);
    expect(a).toBe(b);
  });

  it('refuses sampling without replacement instead of under-counting', () => {
    const acc = new PldAccountant();
    const event = sampledWithoutReplacement(100, 10, gaussianEvent(1));
    expect(acc.supports(event)).toBe(false);
    expect(() => acc.compose(event)).toThrow(DpError);
  });

  it('gives ε = ∞ for a noiseless mechanism and 0 for nothing composed', () => {
    expect(new PldAccountant().compose(gaussianEvent(0)).getEpsilon(1e-5)).toBe(Infinity);
    expect(new PldAccountant().getEpsilon(1e-5)).toBe(0);
  });

  it('self-composition by FFT equals repeated pairwise composition (up to truncation)', () => {
    const { remove } = gaussianPld(2, 0.2, 1e-3);
    const viaPower = selfComposePmf(remove, 8);
    let viaPairs = remove;
    for (let i = 1; i < 8; i++) viaPairs = composePmf(viaPairs, remove, 0);
    for (const eps of [0.1, 0.5, 1, 2]) {
      expect(deltaForEpsilon(viaPower, eps)).toBeCloseTo(deltaForEpsilon(viaPairs, eps), 13);
      expect(deltaForEpsilon(viaPower, eps)).toBeGreaterThanOrEqual(deltaForEpsilon(viaPairs, eps) - 1e-14);
    }
  });

  it('ε(δ) and δ(ε) are inverse to each other on a composed PLD', () => {
    const { remove } = gaussianPld(1, 0.1, 1e-3);
    const pmf = selfComposePmf(remove, 100);
    fc.assert(
      fc.property(fc.double({ min: 1e-8, max: 0.1, noNaN: true }), (delta) => {
        const eps = epsilonForDelta(pmf, delta);
        expect(deltaForEpsilon(pmf, eps)).toBeLessThanOrEqual(delta * (1 + 1e-9));
      }),
      { numRuns: 50 },
    );
  });

  it('ε is non-decreasing in T and q, non-increasing in z (property)', () => {
    const eps = (q: number, z: number, t: number) =>
      new PldAccountant({ valueDiscretizationInterval: 1e-2 }).compose(poissonSampled(q, gaussianEvent(z)), t).getEpsilon(1e-5);
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        fc.double({ min: 0.6, max: 3, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        (q, z, t) => {
          const base = eps(q, z, t);
          expect(eps(q, z, t + 7)).toBeGreaterThanOrEqual(base - 1e-2);
          expect(eps(Math.min(1, q * 1.5), z, t)).toBeGreaterThanOrEqual(base - 1e-2);
          expect(eps(q, z * 1.5, t)).toBeLessThanOrEqual(base + 1e-2);
        },
      ),
      { numRuns: 15 },
    );
  });
});
