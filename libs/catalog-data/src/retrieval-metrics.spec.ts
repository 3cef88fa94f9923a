import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededStream } from './random';
import { denseCosineIndex, knnClassAccuracy, l2NormalizeRows, matrixFromRows, precisionAtK } from './retrieval-metrics';

// Four points in the plane (cosine ignores length):
//   0: (1, 0) A    1: (1, 1) A    2: (0, 1) B    3: (−1, 0) B
// cosines: 0–1 = 1/√2, 0–2 = 0, 0–3 = −1, 1–2 = 1/√2, 1–3 = −1/√2, 2–3 = 0.
const points = matrixFromRows([
  [1, 0],
  [1, 1],
  [0, 1],
  [-1, 0],
]);
const A = 0;
const B = 1;
const labels = [A, A, B, B];

describe('cosine index', () => {
  it('normalises rows to unit length and leaves zero rows zero', () => {
    const m = l2NormalizeRows(matrixFromRows([[3, 4], [0, 0]]));
    expect(Array.from(m.data)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0, 0]);
  });

  it('gives the cosines worked out above', () => {
    const out = new Float64Array(4);
    denseCosineIndex(points).similaritiesTo(1, out);
    expect(Array.from(out)).toEqual([expect.closeTo(Math.SQRT1_2, 6), expect.closeTo(1, 6), expect.closeTo(Math.SQRT1_2, 6), expect.closeTo(-Math.SQRT1_2, 6)]);
  });
});

describe('precision@k, leave-one-out', () => {
  it('scores the four points by hand (k = 2)', () => {
    // 0: top 2 = {1 (A), 2 (B)} → 1/2.   1: {0 (A), 2 (B)} → 1/2.   3: {2 (B), 1 (A)} → 1/2.
    // 2: 1 (A) at 1/√2, then 0 (A) and 3 (B) tied at 0 for one slot: weight 1/2 each → (0 + 1/2)/2 = 1/4.
    // mean = (1/2 + 1/2 + 1/4 + 1/2) / 4 = 7/16.
    expect(precisionAtK(denseCosineIndex(points), { references: labels }, 2)).toBeCloseTo(7 / 16, 12);
  });

  it('is 1 when every neighbour shares the label, and k must leave room for self-exclusion', () => {
    const m = matrixFromRows([[1, 0], [2, 0], [0, 1], [0, 3]]);
    expect(precisionAtK(denseCosineIndex(m), { references: [0, 0, 1, 1] }, 1)).toBe(1);
    expect(() => precisionAtK(denseCosineIndex(m), { references: [0, 0, 1, 1] }, 4)).toThrow(/k must be an integer in \[1, 3\]/);
  });

  it('an all-tied ranking scores the label base rate, whatever the order', () => {
    // Every item is the zero vector: all similarities tie at 0. With labels A, A, B, B, B each query
    // sees the other four with weight k/4: A-queries match 1 of 4, B-queries 2 of 4.
    // mean = (2 · 1/4 + 3 · 2/4) / 5 = 2/5.
    const zeros = matrixFromRows([[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]);
    expect(precisionAtK(denseCosineIndex(zeros), { references: [0, 0, 1, 1, 1] }, 2)).toBeCloseTo(2 / 5, 12);
  });
});

describe('kNN class accuracy', () => {
  it('scores the four points by hand (k = 1, leave-one-out)', () => {
    // 0 → 1 (A) right.   1 → 0 (A) and 2 (B) tie at 1/√2: votes A 1/2, B 1/2, own class among 2 winners → 1/2.
    // 2 → 1 (A) wrong.   3 → 2 (B) right.   accuracy = (1 + 1/2 + 0 + 1) / 4 = 5/8.
    expect(knnClassAccuracy(denseCosineIndex(points), { references: labels }, 1)).toBeCloseTo(5 / 8, 12);
  });

  it('takes the majority of k = 3 with separate queries', () => {
    // Query (1, 0.1): nearest are 0 (cos ≈ 0.995), 1 (≈ 0.774), 2 (≈ 0.0995) → votes A 2, B 1 → A.
    const index = denseCosineIndex(points, matrixFromRows([[1, 0.1], [-1, 0.1]]));
    // Query (−1, 0.1): 3 (≈ 0.995), 2 (≈ 0.0995), 1 (≈ −0.633) → B 2, A 1 → B.
    expect(knnClassAccuracy(index, { references: labels, queries: [A, B] }, 3)).toBe(1);
    expect(knnClassAccuracy(index, { references: labels, queries: [B, A] }, 3)).toBe(0);
  });

  it('does not depend on the order of the items (ties are scored in expectation)', () => {
    const item = fc.record({ v: fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 })), label: fc.integer({ min: 0, max: 2 }) });
    fc.assert(
      fc.property(fc.array(item, { minLength: 6, maxLength: 14 }), fc.integer({ min: 1, max: 4 }), (items, k) => {
        const reversed = [...items].reverse();
        const score = (xs: typeof items) => {
          const index = denseCosineIndex(matrixFromRows(xs.map((x) => x.v)));
          return [knnClassAccuracy(index, { references: xs.map((x) => x.label) }, k), precisionAtK(index, { references: xs.map((x) => x.label) }, k)];
        };
        const [a1, p1] = score(items);
        const [a2, p2] = score(reversed);
        expect(a2).toBeCloseTo(a1, 9);
        expect(p2).toBeCloseTo(p1, 9);
      }),
      { numRuns: 60 },
    );
  });

  it('agrees with a naive sort-and-vote reference when there are no ties', () => {
    // Random real vectors (ties have probability 0): sort the others by cosine, take k, vote.
    const naive = (rows: number[][], labels: number[], k: number) => {
      const cos = (a: number[], b: number[]) => a.reduce((s, x, j) => s + x * b[j], 0) / Math.hypot(...a) / Math.hypot(...b);
      let correct = 0;
      let precision = 0;
      rows.forEach((q, i) => {
        const top = rows.map((r, j) => ({ j, s: cos(q, r) })).filter((x) => x.j !== i).sort((a, b) => b.s - a.s).slice(0, k);
        const votes = new Map<number, number>();
        for (const { j } of top) votes.set(labels[j], (votes.get(labels[j]) ?? 0) + 1);
        const best = Math.max(...votes.values());
        const winners = [...votes].filter(([, v]) => v === best).map(([c]) => c);
        if (winners.includes(labels[i])) correct += 1 / winners.length;
        precision += top.filter(({ j }) => labels[j] === labels[i]).length / k;
      });
      return [correct / rows.length, precision / rows.length];
    };
    // Vectors from a seeded stream (so shrinking cannot make duplicates): uniform in [−1, 1)⁵.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 8, max: 20 }), fc.integer({ min: 1, max: 5 }), (seed, n, k) => {
        const random = seededStream(seed);
        const rows = Array.from({ length: n }, () => Array.from({ length: 5 }, () => 2 * random() - 1));
        const labels = rows.map(() => Math.floor(random() * 4));
        const index = denseCosineIndex(matrixFromRows(rows));
        const [accuracy, precision] = naive(rows, labels, k);
        expect(knnClassAccuracy(index, { references: labels }, k)).toBeCloseTo(accuracy, 9);
        expect(precisionAtK(index, { references: labels }, k)).toBeCloseTo(precision, 9);
      }),
      { numRuns: 50 },
    );
  });
});
