/**
 * The (k, t) choice of Bell et al. 2020 against the values Google's implementation of that paper
 * publishes for its curious-server model (federated-compute,
 * fcp/secagg/server/graph_parameter_finder_test.cc: σ = 40, η = 20), and the three inequalities
 * re-checked on the returned values.
 */
import { describe, expect, it } from 'vitest';
import { chooseHararyParameters, sessionGraph } from './harary-parameters';
import { SecAggErrorCode } from './secagg-error';

// [n, γ, δ, expected degree, threshold upper bound] — the reference checks degree exactly and t ≤ bound.
const REFERENCE: [number, number, number, number, number][] = [
  [100, 0.45, 0.45, 92, 46],
  [1_000, 0.45, 0.45, 822, 417],
  [10_000, 0.45, 0.45, 3494, 1771],
  [10, 0.33, 0.33, 8, 4],
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
  [10, 0.33, 0.05, 4, 4],
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
