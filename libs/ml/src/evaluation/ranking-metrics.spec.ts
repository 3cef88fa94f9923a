import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hitAt, ndcgOf, ndcgOfRank, pessimisticRank, recallOf, topKItems } from './ranking-metrics';

describe('sampled rank metrics', () => {
  it('ranks the positive below every negative with an equal score', () => {
    // Negatives 0.9 (above), 0.5 and 0.5 (tied), 0.1 (below): 3 negatives score >= 0.5 → rank 3.
    expect(pessimisticRank(0.5, [0.9, 0.5, 0.1, 0.5])).toBe(3);
    // All tied: the positive is last of 100.
    expect(pessimisticRank(0, new Float32Array(99))).toBe(99);
    expect(pessimisticRank(1, [0, 0.5])).toBe(0);
  });

  it('HR@10 and NDCG@10 follow rank < 10 and 1 / log2(rank + 2)', () => {
    // rank 0 → 1/log2 2 = 1; rank 2 → 1/log2 4 = 0.5; rank 6 → 1/log2 8 = 1/3; rank 9 → 1/log2 11.
    expect([0, 2, 6, 9].map((r) => ndcgOfRank(r, 10))).toEqual([1, 0.5, expect.closeTo(1 / 3, 12), expect.closeTo(0.289064826, 8)]);
    expect(ndcgOfRank(10, 10)).toBe(0);
    expect([0, 9, 10, 99].map((r) => hitAt(r, 10))).toEqual([1, 1, 0, 0]);
  });
});

describe('full-catalog metrics', () => {
  it('takes the top k by score, ties broken by lower item index', () => {
    // Scores by item: 0:1, 1:3, 2:3, 3:0, 4:3, 5:2 → 3s in index order (1, 2, 4), then 5.
    expect(Array.from(topKItems([1, 3, 3, 0, 3, 2], 4))).toEqual([1, 2, 4, 5]);
    expect(Array.from(topKItems([0, 0, 0], 2))).toEqual([0, 1]);
    expect(Array.from(topKItems([-Infinity, 2], 5))).toEqual([1, 0]);
    expect(() => topKItems([1], 0)).toThrow(/k must be a positive integer/);
  });

  it('agrees with a full stable sort', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 25 }), (values, k) => {
        const sorted = values.map((score, index) => ({ score, index })).sort((a, b) => b.score - a.score || a.index - b.index);
        expect(Array.from(topKItems(values, k))).toEqual(sorted.slice(0, k).map((e) => e.index));
      }),
    );
  });

  it('Recall and NDCG with binary relevance and IDCG over min(|relevant|, k)', () => {
    // top = [5, 1, 7], relevant = {1, 9}: one hit at position 1.
    // Recall = 1/2; DCG = 1/log2 3; IDCG = 1 + 1/log2 3 → NDCG = 0.63093 / 1.63093 = 0.386853.
    const top = [5, 1, 7];
    expect(recallOf(top, new Set([1, 9]))).toBe(0.5);
    expect(ndcgOf(top, new Set([1, 9]), 20)).toBeCloseTo(0.386853, 6);
    // 25 relevant items, all 20 of the top relevant: IDCG is over 20 positions, so NDCG = 1,
    // while Recall = 20/25 = 0.8.
    const relevant = new Set(Array.from({ length: 25 }, (_, i) => i));
    const top20 = Array.from({ length: 20 }, (_, i) => i);
    expect(ndcgOf(top20, relevant, 20)).toBeCloseTo(1, 12);
    expect(recallOf(top20, relevant)).toBe(0.8);
    expect(() => recallOf(top, new Set())).toThrow(/relevant/);
  });
});
