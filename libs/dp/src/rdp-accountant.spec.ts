// RDP accountant against the checked-in references (tools/dp-fixtures/generate.py):
// exact mode vs the 30-digit signed series (mpmath), conservative mode vs dp_accounting.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DpError, DpErrorCode } from './dp-error';
import {
  composed,
  gaussianEvent,
  laplaceEvent,
  poissonSampled,
  sampledWithoutReplacement,
  selfComposed,
} from './dp-event';
import { DEFAULT_RDP_ORDERS, RdpAccountant } from './rdp-accountant';
import { EXACT_MODE_RELATIVE_MARGIN, logAm1Quadrature, rdpPoissonSubsampledGaussian } from './rdp-subsampled-gaussian';

const load = <T>(name: string): T => JSON.parse(readFileSync(join(__dirname, '../fixtures', name), 'utf8')) as T;

interface RdpCase {
  samplingRate: number;
  noiseMultiplier: number;
  exact: (number | null)[];
  conservative: (number | null)[];
  dpAccounting: (number | null)[];
  epsilon: { steps: number; delta: number; exact: number; exactOrder: number; dpAccounting: number; dpAccountingOrder: number }[];
  delta: { steps: number; epsilon: number; dpAccounting: number }[];
}
const rdpFixture = load<{ orders: number[]; cases: RdpCase[] }>('rdp.json');
const worFixture = load<{
  orders: number[];
  withoutReplacement: {
    populationSize: number;
    sampleSize: number;
    noiseMultiplier: number;
    dpAccounting: (number | null)[];
    epsilon: { steps: number; delta: number; dpAccounting: number }[];
  }[];
  laplace: { noiseMultiplier: number; dpAccounting: number[]; epsilon1e5: number }[];
}>('wor.json');

const TOL = 1e-9;
const num = (v: number | null) => (v === null ? Infinity : v);
const relErr = (got: number, want: number) => (got === want ? 0 : Math.abs(got - want) / Math.abs(want));
const roundEvent = (q: number, z: number) => (q === 1 ? gaussianEvent(z) : poissonSampled(q, gaussianEvent(z)));

describe('RdpAccountant: orders and closed forms', () => {
  it("uses dp_accounting's DEFAULT_RDP_ORDERS", () => {
    expect([...DEFAULT_RDP_ORDERS]).toEqual(rdpFixture.orders);
    expect(DEFAULT_RDP_ORDERS).toHaveLength(156);
  });

  it('gives α/(2z²) for q = 1 in both modes', () => {
    for (const z of [0.5, 1, 3.7]) {
      for (const mode of ['exact', 'conservative'] as const) {
        const rdp = new RdpAccountant({ mode }).compose(gaussianEvent(z)).rdp;
        DEFAULT_RDP_ORDERS.forEach((a, i) => expect(rdp[i]).toBe(a / (2 * z * z)));
      }
    }
  });
});

describe('RdpAccountant: exact mode against the 30-digit signed series', () => {
  it('matches every order to 1e-9 and is never below the reference', () => {
    let worst = 0;
    for (const c of rdpFixture.cases) {
      const rdp = rdpPoissonSubsampledGaussian(c.samplingRate, c.noiseMultiplier, DEFAULT_RDP_ORDERS, 'exact');
      c.exact.forEach((want, i) => {
        const label = `q=${c.samplingRate} z=${c.noiseMultiplier} α=${DEFAULT_RDP_ORDERS[i]}`;
        const err = relErr(rdp[i], num(want));
        worst = Math.max(worst, err);
        expect(err, label).toBeLessThan(TOL);
        // Not below the truth: the float64 reference itself is rounded, so allow its half-ulp.
        expect(rdp[i], label).toBeGreaterThanOrEqual(num(want) * (1 - 2 ** -53));
      });
    }
    // The safety margin is what keeps values above the truth; the error itself is far smaller.
    expect(worst).toBeLessThan(2 * EXACT_MODE_RELATIVE_MARGIN);
  });

  it('matches ε at T = 1 … 10 000 and δ = 1e-5, 1e-6 to 1e-9, with the same optimal order', () => {
    for (const c of rdpFixture.cases) {
      for (const e of c.epsilon) {
        const acc = new RdpAccountant().compose(selfComposed(roundEvent(c.samplingRate, c.noiseMultiplier), e.steps));
        const { epsilon, order } = acc.getEpsilonAndOrder(e.delta);
        const label = `q=${c.samplingRate} z=${c.noiseMultiplier} T=${e.steps} δ=${e.delta}`;
        expect(relErr(epsilon, e.exact), label).toBeLessThan(TOL);
        expect(epsilon, label).toBeGreaterThanOrEqual(e.exact * (1 - 2 ** -53));
        expect(order, label).toBe(e.exactOrder);
      }
    }
  });

  it('agrees with the quadrature at integer orders (two independent formulas for A_α − 1)', () => {
    for (const [q, z, a] of [
      [0.01, 1, 2],
      [0.3, 0.7, 5],
      [0.9, 2, 11],
      [0.001, 4, 3],
    ]) {
      const viaSum = rdpPoissonSubsampledGaussian(q, z, [a])[0] / (1 + EXACT_MODE_RELATIVE_MARGIN);
      const viaQuadrature = Math.log1p(Math.exp(logAm1Quadrature(q, z, a))) / (a - 1);
      expect(relErr(viaQuadrature, viaSum), `q=${q} z=${z} α=${a}`).toBeLessThan(1e-12);
    }
  });
});

describe("RdpAccountant: conservative mode reproduces dp_accounting's bound", () => {
  it("matches dp_accounting's algorithm evaluated at 30 digits to 1e-9 at every order", () => {
    for (const c of rdpFixture.cases) {
      const rdp = rdpPoissonSubsampledGaussian(c.samplingRate, c.noiseMultiplier, DEFAULT_RDP_ORDERS, 'conservative');
      c.conservative.forEach((want, i) => {
        const label = `q=${c.samplingRate} z=${c.noiseMultiplier} α=${DEFAULT_RDP_ORDERS[i]}`;
        if (want === null) expect(rdp[i], label).toBe(Infinity);
        else expect(relErr(rdp[i], want), label).toBeLessThan(TOL);
      });
    }
  });

  it("matches dp_accounting's float64 output to 1e-9 wherever dp_accounting is itself that accurate", () => {
    let compared = 0;
    let skipped = 0;
    for (const c of rdpFixture.cases) {
      const rdp = rdpPoissonSubsampledGaussian(c.samplingRate, c.noiseMultiplier, DEFAULT_RDP_ORDERS, 'conservative');
      c.dpAccounting.forEach((dpa, i) => {
        const hp = num(c.conservative[i]);
        const label = `q=${c.samplingRate} z=${c.noiseMultiplier} α=${DEFAULT_RDP_ORDERS[i]}`;
        // dp_accounting sums A_α (≈ 1 for small q) rather than A_α − 1, so where A_α − 1 < 1e-6
        // its own rounding exceeds 1e-10; there we compare with its 30-digit evaluation above.
        if (relErr(num(dpa), hp) > 1e-10) {
          skipped++;
          expect(hp, label).toBeLessThan(1e-4); // only tiny RDP values, irrelevant to ε
          return;
        }
        compared++;
        expect(relErr(rdp[i], num(dpa)), label).toBeLessThan(TOL);
      });
    }
    expect(compared).toBeGreaterThan(20 * skipped);
  });

  it("matches dp_accounting's ε (RdpAccountant.get_epsilon) and δ to 1e-9", () => {
    for (const c of rdpFixture.cases) {
      const event = roundEvent(c.samplingRate, c.noiseMultiplier);
      for (const e of c.epsilon) {
        const acc = new RdpAccountant({ mode: 'conservative' }).compose(selfComposed(event, e.steps));
        const { epsilon, order } = acc.getEpsilonAndOrder(e.delta);
        const label = `q=${c.samplingRate} z=${c.noiseMultiplier} T=${e.steps} δ=${e.delta}`;
        expect(relErr(epsilon, e.dpAccounting), label).toBeLessThan(TOL);
        expect(order, label).toBe(e.dpAccountingOrder);
      }
      for (const d of c.delta) {
        const acc = new RdpAccountant({ mode: 'conservative' }).compose(event, d.steps);
        const label = `q=${c.samplingRate} z=${c.noiseMultiplier} T=${d.steps} ε=${d.epsilon}`;
        expect(relErr(acc.getDelta(d.epsilon), d.dpAccounting), label).toBeLessThan(TOL);
      }
    }
  });

  it('is never below the exact mode, although dp_accounting itself sometimes is', () => {
    let dpAccountingBelow = 0;
    for (const c of rdpFixture.cases) {
      const exact = rdpPoissonSubsampledGaussian(c.samplingRate, c.noiseMultiplier, DEFAULT_RDP_ORDERS, 'exact');
      const conservative = rdpPoissonSubsampledGaussian(c.samplingRate, c.noiseMultiplier, DEFAULT_RDP_ORDERS, 'conservative');
      c.exact.forEach((e, i) => {
        expect(conservative[i]).toBeGreaterThanOrEqual(exact[i]);
        // dp_accounting's truncated series undershoots the truth by ≤ ~3e-11 at small q.
        if (num(c.conservative[i]) < num(e)) dpAccountingBelow++;
        expect(num(c.conservative[i])).toBeGreaterThanOrEqual(num(e) * (1 - 1e-10));
      });
    }
    expect(dpAccountingBelow).toBeGreaterThan(0);
  });
});

describe('RdpAccountant: sampling without replacement and Laplace', () => {
  it('matches dp_accounting (replace-one, WBK19 Thm 27) to 1e-9', () => {
    for (const c of worFixture.withoutReplacement) {
      const event = sampledWithoutReplacement(c.populationSize, c.sampleSize, gaussianEvent(c.noiseMultiplier));
      const rdp = new RdpAccountant({ neighboringRelation: 'replaceOne' }).compose(event).rdp;
      c.dpAccounting.forEach((want, i) => expect(relErr(rdp[i], num(want)), `n=${c.populationSize} α=${worFixture.orders[i]}`).toBeLessThan(TOL));
      for (const e of c.epsilon) {
        const acc = new RdpAccountant({ neighboringRelation: 'replaceOne' }).compose(event, e.steps);
        expect(relErr(acc.getEpsilon(e.delta), e.dpAccounting)).toBeLessThan(TOL);
      }
    }
  });

  it('matches dp_accounting for the Laplace mechanism', () => {
    for (const c of worFixture.laplace) {
      const acc = new RdpAccountant().compose(laplaceEvent(c.noiseMultiplier));
      acc.rdp.forEach((v, i) => expect(relErr(v, c.dpAccounting[i])).toBeLessThan(TOL));
      expect(relErr(acc.getEpsilon(1e-5), c.epsilon1e5)).toBeLessThan(TOL);
    }
  });
});

describe('RdpAccountant: refuses what it cannot account', () => {
  const cases = [
    { relation: 'addOrRemoveOne' as const, event: poissonSampled(0.1, laplaceEvent(1)) },
    { relation: 'addOrRemoveOne' as const, event: sampledWithoutReplacement(100, 10, gaussianEvent(1)) },
    { relation: 'replaceOne' as const, event: poissonSampled(0.1, gaussianEvent(1)) },
    { relation: 'addOrRemoveOne' as const, event: composed([gaussianEvent(1), poissonSampled(0.1, laplaceEvent(1))]) },
  ];
  it.each(cases)('throws UnsupportedEvent for $event.kind under $relation and leaves the total unchanged', ({ relation, event }) => {
    const acc = new RdpAccountant({ neighboringRelation: relation }).compose(gaussianEvent(2));
    const before = acc.rdp;
    expect(acc.supports(event)).toBe(false);
    expect(() => acc.compose(event)).toThrow(DpError);
    try {
      acc.compose(event);
    } catch (e) {
      expect((e as DpError).code).toBe(DpErrorCode.UnsupportedEvent);
    }
    expect(acc.rdp).toEqual(before);
  });

  it('rejects orders ≤ 1 and negative δ', () => {
    expect(() => new RdpAccountant({ orders: [1, 2] })).toThrow(/orders\[0\] must be > 1/);
    expect(() => new RdpAccountant().getEpsilon(-1)).toThrow(/delta must be in \[0, 1\]/);
  });

  it('gives ε = ∞ without noise and ε = 0 without events', () => {
    expect(new RdpAccountant().compose(poissonSampled(0.1, gaussianEvent(0))).getEpsilon(1e-5)).toBe(Infinity);
    expect(new RdpAccountant().getEpsilon(1e-5)).toBe(0);
  });
});

describe('RdpAccountant: properties', () => {
  const orders = [1.5, 2, 2.5, 4, 8, 16, 32];
  const q = fc.double({ min: 0.001, max: 0.99, noNaN: true });
  const z = fc.double({ min: 0.4, max: 5, noNaN: true });
  // Exact mode only: the conservative series drops orders where it does not converge (+∞),
  // which is safe but not monotone.
  it('exact RDP is non-decreasing in q and non-increasing in z at every order', () => {
    const m = 'exact';
    fc.assert(
      fc.property(q, q, z, z, (q1, q2, z1, z2) => {
        const [qa, qb] = q1 <= q2 ? [q1, q2] : [q2, q1];
        const [za, zb] = z1 <= z2 ? [z1, z2] : [z2, z1];
        const lowQ = rdpPoissonSubsampledGaussian(qa, za, orders, m);
        const highQ = rdpPoissonSubsampledGaussian(qb, za, orders, m);
        const highZ = rdpPoissonSubsampledGaussian(qa, zb, orders, m);
        orders.forEach((_, i) => {
          expect(highQ[i]).toBeGreaterThanOrEqual(lowQ[i] * (1 - 1e-12));
          expect(highZ[i]).toBeLessThanOrEqual(lowQ[i] * (1 + 1e-12));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('ε is non-decreasing in the number of rounds', () => {
    fc.assert(
      fc.property(q, z, fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), (qq, zz, t1, t2) => {
        const eps = (t: number) => new RdpAccountant({ orders }).compose(poissonSampled(qq, gaussianEvent(zz)), t).getEpsilon(1e-5);
        const [a, b] = t1 <= t2 ? [t1, t2] : [t2, t1];
        expect(eps(b)).toBeGreaterThanOrEqual(eps(a));
      }),
      { numRuns: 60 },
    );
  });

  it('composition is additive: compose(A); compose(B) = rdp(A) + rdp(B), selfComposed(E, n) = n·rdp(E)', () => {
    fc.assert(
      fc.property(q, z, z, fc.integer({ min: 1, max: 1000 }), (qq, z1, z2, n) => {
        const a = poissonSampled(qq, gaussianEvent(z1));
        const b = laplaceEvent(z2);
        const rdpA = new RdpAccountant({ orders }).compose(a).rdp;
        const rdpB = new RdpAccountant({ orders }).compose(b).rdp;
        const both = new RdpAccountant({ orders }).compose(a).compose(b).rdp;
        const asComposed = new RdpAccountant({ orders }).compose(composed([a, b])).rdp;
        const repeated = new RdpAccountant({ orders }).compose(selfComposed(a, n)).rdp;
        orders.forEach((_, i) => {
          expect(both[i]).toBeCloseTo(rdpA[i] + rdpB[i], 12);
          expect(asComposed[i]).toBe(both[i]);
          expect(relErr(repeated[i], n * rdpA[i])).toBeLessThan(1e-14);
        });
      }),
      { numRuns: 60 },
    );
  });
});
