/**
 * The (k, t) choice of Bell et al. 2020 against the values Google's implementation of that paper
 * publishes for its curious-server model (federated-compute,
 * fcp/secagg/server/graph_parameter_finder_test.cc: σ = 40, η = 20), and the three inequalities
 * re-checked on the returned values.
 */
import { describe, expect, it } from 'vitest';
import { chooseHararyParameters, sessionGraph } from './harary-parameters';
import { neighbourPositions } from './harary-graph';
import { SecAggErrorCode } from './secagg-error';

// [n, γ, δ, expected degree, threshold upper bound] — the reference checks degree exactly and t ≤ bound.
// Its n = 10, γ = 0.33 rows (k = 8, t ≤ 4 at δ = 0.33; k = 4, t ≤ 4 at δ = 0.05) floor γn = 3.3 to
// 3 colluders; we plan for ⌈3.3⌉ = 4, see 'is stricter than the reference where γn is fractional'.
const REFERENCE: [number, number, number, number, number][] = [
  [100, 0.45, 0.45, 92, 46],
  [1_000, 0.45, 0.45, 822, 417],
  [10_000, 0.45, 0.45, 3494, 1771],
  [100, 0.33, 0.33, 68, 34],
  [1_000, 0.33, 0.33, 286, 150],
  [10_000, 0.33, 0.33, 422, 221],
  [100_000, 0.33, 0.33, 480, 251],
  [1_000_000, 0.33, 0.33, 518, 270],
  [100, 0.05, 0.33, 28, 6],
  [1_000, 0.05, 0.33, 72, 24],
  [10_000, 0.05, 0.33, 86, 29],
  [100_000, 0.05, 0.33, 96, 32],
  [1_000_000, 0.05, 0.33, 102, 34],
  [100, 0.33, 0.05, 34, 29],
  [1_000, 0.33, 0.05, 78, 60],
  [10_000, 0.33, 0.05, 92, 70],
  [100_000, 0.33, 0.05, 102, 77],
  [1_000_000, 0.33, 0.05, 110, 83],
];

describe('chooseHararyParameters (Bell et al. 2020, Harary graph)', () => {
  it.each(REFERENCE)('n=%i γ=%f δ=%f → k=%i, t ≤ %i (Google reference)', (n, gamma, delta, k, tMax) => {
    const choice = chooseHararyParameters({ clients: n, corruptFraction: gamma, dropoutFraction: delta });
    expect(choice.degree).toBe(k);
    expect(choice.threshold).toBeLessThanOrEqual(tMax);
    expect(choice.log2SplitProbability).toBeLessThan(-41);
    expect(choice.log2ThresholdBreachProbability).toBeLessThan(-41);
    expect(choice.log2CorrectnessFailureProbability).toBeLessThan(-20);
  });

  it('is stricter than the reference where the reference clamps t to 2 after its correctness check (n=10, γ=0.05, δ=0.33)', () => {
    // The reference returns k = 4, t = 2, but with k = 4 and 3 of 10 clients dropped a client keeps
    // ≥ 2 surviving neighbours only with probability 29/30, not 1 − 2^-20/10. We re-check correctness
    // at the clamped t, which needs k = 6.
    const choice = chooseHararyParameters({ clients: 10, corruptFraction: 0.05, dropoutFraction: 0.33 });
    expect(choice).toMatchObject({ degree: 6, threshold: 2 });
    expect(choice.log2CorrectnessFailureProbability).toBeLessThan(-20);
  });

  it('is stricter than the reference where γn is fractional (n=10, γ=0.33: 4 colluders, not 3)', () => {
    // 4 colluders can all be among a client's neighbours, so t = 5; at δ = 0.05, k = 4 would let
    // the 4 bad clients cut the ring, so k = 6 (the reference: k = 8 / 4, t ≤ 4, for 3 colluders).
    expect(chooseHararyParameters({ clients: 10, corruptFraction: 0.33, dropoutFraction: 0.33 })).toMatchObject({ corruptClients: 4, degree: 8, threshold: 5 });
    expect(chooseHararyParameters({ clients: 10, corruptFraction: 0.33, dropoutFraction: 0.05 })).toMatchObject({ corruptClients: 4, degree: 6, threshold: 5 });
  });

  it('grows k logarithmically: the table docs/secagg.md shows (γ = 0.05)', () => {
    const row = (delta: number) =>
      [100, 1_000, 10_000, 100_000].map((n) => {
        const c = chooseHararyParameters({ clients: n, corruptFraction: 0.05, dropoutFraction: delta });
        return [c.degree, c.threshold];
      });
    expect(row(0.1)).toEqual([[16, 6], [36, 19], [42, 22], [46, 23]]);
    expect(row(0.3)).toEqual([[26, 6], [66, 23], [80, 29], [88, 31]]);
  });

  it('names the parameter it refuses', () => {
    expect(() => chooseHararyParameters({ clients: 2, corruptFraction: 0, dropoutFraction: 0 })).toThrow(/clients/);
    expect(() => chooseHararyParameters({ clients: 100, corruptFraction: 1, dropoutFraction: 0 })).toThrow(/corruptFraction/);
    expect(() => chooseHararyParameters({ clients: 100, corruptFraction: 0.5, dropoutFraction: 0.5 })).toThrow(/corruptFraction \+ dropoutFraction/);
  });

  it('reports NO_FEASIBLE_GRAPH when no k < n − 1 works', () => {
    expect(() => chooseHararyParameters({ clients: 5, corruptFraction: 0.4, dropoutFraction: 0.4 })).toThrow(
      expect.objectContaining({ code: SecAggErrorCode.NoFeasibleGraph }),
    );
  });

  it('sessionGraph falls back to the complete graph with an honest majority where no Harary degree qualifies', () => {
    expect(sessionGraph({ clients: 5, corruptFraction: 0.4, dropoutFraction: 0.4 })).toEqual({ degree: 4, threshold: 3 });
    expect(sessionGraph({ clients: 3, corruptFraction: 0.05, dropoutFraction: 0.1 })).toEqual({ degree: 2, threshold: 2 });
    const harary = chooseHararyParameters({ clients: 1000, corruptFraction: 0.05, dropoutFraction: 0.1 });
    expect(sessionGraph({ clients: 1000, corruptFraction: 0.05, dropoutFraction: 0.1 })).toEqual({ degree: harary.degree, threshold: harary.threshold });
  });
});

/** Every a-subset of 0..n−1 (small n only). */
function* subsets(n: number, a: number, from = 0, acc: number[] = []): Generator<number[]> {
  if (acc.length === a) {
    yield acc;
    return;
  }
  for (let p = from; p <= n - (a - acc.length); p++) yield* subsets(n, a, p + 1, [...acc, p]);
}

/**
 * Whether some placement of `corrupt` colluders on the ring gives an honest client ≥ t corrupt
 * neighbours (so the server and the colluders rebuild both its secrets and unmask it). For n ≤ 20
 * any such placement has probability ≥ 1/C(20, 5) ≫ 2^-41, so secure parameters admit none.
 */
function someHonestClientExposed(n: number, k: number, t: number, corrupt: number): boolean {
  for (const bad of subsets(n, corrupt)) {
    const isBad = new Set(bad);
    for (let u = 0; u < n; u++) {
      if (isBad.has(u)) continue;
      if (neighbourPositions(u, n, k).filter((v) => isBad.has(v)).length >= t) return true;
    }
  }
  return false;
}

describe('small groups are sized for ⌈γn⌉ corrupt clients, never ⌊γn⌋ (security review)', () => {
  // Before the fix, A = ⌊γn⌋: at γ = 0.05 every group under 20 clients assumed 0 colluders, and at
  // γ = 0.2, n = 8 (1.6 colluders allowed) it assumed 1 and chose k = 2, t = 2 — the server and the
  // two colluders the plan allows, placed either side of a client, rebuild its b_u and s_u^SK.
  const SMALL = Array.from({ length: 17 }, (_, i) => i + 4); // n = 4..20
  const GAMMAS = [0.05, 0.1, 0.2, 0.25];

  it.each(GAMMAS)('γ=%f, δ=0.1, n = 4..20: the session graph assumes ⌈γn⌉ ≥ 1 colluders and no placement of them exposes a client', (gamma) => {
    for (const n of SMALL) {
      const corrupt = Math.ceil(gamma * n);
      expect(corrupt).toBeGreaterThanOrEqual(1);
      const { degree, threshold } = sessionGraph({ clients: n, corruptFraction: gamma, dropoutFraction: 0.1 });
      // The protocol's own floor: t ≥ 2 (one share reveals nothing), and more than the colluders
      // can hold among a client's k neighbours.
      expect(threshold, `n=${n}`).toBeGreaterThanOrEqual(Math.max(2, Math.min(corrupt, degree) + 1));
      expect(someHonestClientExposed(n, degree, threshold, corrupt), `n=${n} k=${degree} t=${threshold}`).toBe(false);
    }
  });

  it('records the colluders and dropouts it planned for', () => {
    for (const n of SMALL) {
      for (const gamma of GAMMAS) {
        let choice;
        try {
          choice = chooseHararyParameters({ clients: n, corruptFraction: gamma, dropoutFraction: 0.1 });
        } catch {
          continue; // no k < n − 1: sessionGraph's complete graph, checked above
        }
        expect(choice.corruptClients, `n=${n} γ=${gamma}`).toBe(Math.ceil(gamma * n));
        expect(choice.droppedClients, `n=${n}`).toBe(Math.floor(0.1 * n + 1e-9));
      }
    }
  });

  it('γ = 0.2, n = 8: two colluders are allowed, so t = 3 (was k = 2, t = 2)', () => {
    const choice = chooseHararyParameters({ clients: 8, corruptFraction: 0.2, dropoutFraction: 0.1 });
    expect(choice.corruptClients).toBe(2);
    expect(choice.threshold).toBeGreaterThanOrEqual(3);
    expect(someHonestClientExposed(8, choice.degree, choice.threshold, 2)).toBe(false);
  });

  it('γ = 0 still means no colluders (the server alone), and t ≥ 2', () => {
    expect(chooseHararyParameters({ clients: 8, corruptFraction: 0, dropoutFraction: 0.5 })).toMatchObject({ corruptClients: 0, threshold: 2 });
  });

  it('refuses a group too small for its colluders: fewer than two honest clients, whose sum would reveal each', () => {
    // n = 3, γ = 0.4: ⌈1.2⌉ = 2 colluders leave one honest client; t would have to exceed k = 2.
    expect(() => sessionGraph({ clients: 3, corruptFraction: 0.4, dropoutFraction: 0.1 })).toThrow(
      expect.objectContaining({ code: SecAggErrorCode.NoFeasibleGraph, message: expect.stringMatching(/n=3.*2 corrupt.*merge/s) }),
    );
  });
});
