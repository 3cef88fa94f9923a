import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemPopularity, popularityScorer } from './baseline-scorers';
import { evaluatePopulation, evaluateUser } from './leave-last-order-out';
import { addMetrics, emptyMetrics, meanMetrics, type MetricSums } from './metric-sums';
import { userRandom } from './negative-sampling';
import { type PurchaseHistory, type Scorer } from './purchase-history';

const historyOf = (...orders: number[][]): PurchaseHistory => ({ orders: orders.map((o) => Int32Array.from(o)) });

/** Knows the held-out order: 1 for its items, 0 for every other. */
const oracleFor =
  (history: PurchaseHistory): Scorer =>
  (_context, candidates) => {
    const target = new Set(history.orders[history.orders.length - 1]);
    return Float32Array.from(candidates, (item) => (target.has(item) ? 1 : 0));
  };

const constantScorer: Scorer = (_context, candidates) => new Float32Array(candidates.length);

/** A fixed, arbitrary-looking score per item (so metrics depend on which negatives were drawn). */
const hashScorer: Scorer = (_context, candidates) => Float32Array.from(candidates, (item) => (Math.imul(item + 1, 0x9e3779b1) >>> 0) % 1000);

/** Histories of 0..maxOrders orders of 1..maxBasket items over a catalog of itemCount. */
const histories = (itemCount: number, maxOrders: number, maxBasket: number) =>
  fc.array(
    fc
      .array(fc.array(fc.integer({ min: 0, max: itemCount - 1 }), { minLength: 1, maxLength: maxBasket }), { maxLength: maxOrders })
      .map((orders) => historyOf(...orders)),
    { minLength: 1, maxLength: 12 },
  );

const closeTo = (expected: MetricSums) => ({
  users: expected.users,
  hr10: expect.closeTo(expected.hr10, 9),
  ndcg10: expect.closeTo(expected.ndcg10, 9),
  recall20: expect.closeTo(expected.recall20, 9),
  ndcg20: expect.closeTo(expected.ndcg20, 9),
});

describe('leave-last-order-out on a hand-computed toy', () => {
  // Catalog of 30 items; 4 users (u2 has a single order and is not evaluated).
  const toy = [
    historyOf([0, 1], [0, 2], [0, 3]), // u0: context [0,1] [0,2], target {0, 3}, positive 0
    historyOf([1], [2, 4]), //             u1: context [1],          target {2, 4}, positive 2
    historyOf([5]), //                     u2: one order, skipped (and contributes no training counts)
    historyOf([0, 1], [6, 25, 6]), //      u3: context [0,1],        target {6, 25}, positive 6
  ];
  // Popularity over context orders: item 0: 2 (u0) + 1 (u3) = 3; item 1: 1 + 1 + 1 = 3;
  // item 2: 1 (u0); every other item 0.
  const counts = itemPopularity(toy, 30);

  it('counts training popularity from context orders only', () => {
    expect(Array.from(counts.subarray(0, 7))).toEqual([3, 3, 1, 0, 0, 0, 0]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('matches the hand-computed sums and means for the popularity baseline', () => {
    // Every user has < 99 never-bought items, so all of them are the negatives (no sampling).
    // Sampled:
    //  u0: positive 0 scores 3, negatives 4..29 score 0           → rank 0: HR 1, NDCG 1.
    //  u1: positive 2 scores 1, negatives include item 0 (3)      → rank 1: HR 1, NDCG 1/log2 3 = 0.630930.
    //  u3: positive 6 scores 0, all 26 negatives score ≥ 0 (ties) → rank 26: HR 0, NDCG 0.
    // Full catalog, top 20 = items 0, 1, 2 (scores 3, 3, 1) then the zeros 3..19 by index, so
    // item i sits at position i; IDCG over 2 relevant = 1 + 1/log2 3 = 1.630930.
    //  u0: {0, 3} at positions 0, 3: DCG 1 + 1/log2 5 = 1.430677 → NDCG 0.877215; Recall 1.
    //  u1: {2, 4} at positions 2, 4: DCG 1/2 + 1/log2 6 = 0.886853 → NDCG 0.543771; Recall 1.
    //  u3: {6, 25}: 6 at position 6 (1/log2 8 = 1/3), 25 outside → NDCG 0.204382; Recall 1/2.
    const sums = evaluatePopulation(toy, () => popularityScorer(counts), { itemCount: 30, seed: 1 });
    expect(sums).toEqual(closeTo({ users: 3, hr10: 2, ndcg10: 1.630929754, recall20: 2.5, ndcg20: 1.625369022 }));
    expect(meanMetrics(sums)).toEqual(closeTo({ users: 3, hr10: 2 / 3, ndcg10: 0.543643251, recall20: 2.5 / 3, ndcg20: 0.541789674 }));
  });

  it('gives a single user the same sums as its share of the population', () => {
    const u1 = evaluateUser(toy[1], popularityScorer(counts), { itemCount: 30, random: userRandom(1, 1) });
    expect(u1).toEqual(closeTo({ users: 1, hr10: 1, ndcg10: 0.630929754, recall20: 1, ndcg20: 0.543771309 }));
  });
});

describe('leave-last-order-out protocol', () => {
  it('skips users with fewer than 2 orders, without asking for their scorer', () => {
    expect(evaluateUser(historyOf([1, 2]), constantScorer, { itemCount: 5, random: Math.random })).toBeNull();
    expect(evaluateUser(historyOf(), constantScorer, { itemCount: 5, random: Math.random })).toBeNull();
    const asked: number[] = [];
    const sums = evaluatePopulation([historyOf([1]), historyOf([1], [2]), historyOf()], (u) => (asked.push(u), constantScorer), {
      itemCount: 5,
      seed: 0,
    });
    expect(asked).toEqual([1]);
    expect(sums.users).toBe(1);
  });

  it('shows the scorer the context only, the positive first among 1 + 99 candidates, then the whole catalog', () => {
    const calls: Array<{ context: number[][]; candidates: number[] }> = [];
    const spy: Scorer = (context, candidates) => {
      calls.push({ context: context.map((o) => Array.from(o)), candidates: Array.from(candidates) });
      return new Float32Array(candidates.length);
    };
    evaluateUser(historyOf([7, 8], [9], [3, 8]), spy, { itemCount: 500, random: userRandom(5, 0) });
    expect(calls).toHaveLength(2);
    expect(calls[0].context).toEqual([[7, 8], [9]]);
    expect(calls[0].candidates).toHaveLength(100);
    expect(calls[0].candidates[0]).toBe(3);
    expect(calls[0].candidates.slice(1).filter((item) => [3, 7, 8, 9].includes(item))).toEqual([]);
    expect(calls[1].candidates).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('an oracle scorer gets HR@10 = 1, Recall@20 = 1 and NDCG@20 = 1 for baskets of at most 20', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 21, max: 400 }).chain((itemCount) => fc.tuple(fc.constant(itemCount), histories(itemCount, 5, 20))),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        ([itemCount, population], seed) => {
          const sums = evaluatePopulation(population, (u) => oracleFor(population[u]), { itemCount, seed });
          expect(sums.hr10).toBe(sums.users);
          expect(sums.ndcg10).toBe(sums.users);
          expect(sums.recall20).toBe(sums.users);
          expect(sums.ndcg20).toBeCloseTo(sums.users, 9);
        },
      ),
    );
  });

  it('a constant scorer gets HR@10 = 0 under pessimistic ties', () => {
    // 1000 items, a user buys at most 3 · 5 = 15: 99 tied negatives, so the positive ranks 99th.
    fc.assert(
      fc.property(histories(1000, 3, 5), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (population, seed) => {
        const sums = evaluatePopulation(population, () => constantScorer, { itemCount: 1000, seed });
        expect(sums.hr10).toBe(0);
        expect(sums.ndcg10).toBe(0);
      }),
    );
  });

  it('is deterministic for a fixed seed', () => {
    const population = Array.from({ length: 40 }, (_, u) => historyOf([u % 7, (u * 3) % 11], [(u * 5) % 13], [(u * 7) % 17]));
    const run = (seed: number) => evaluatePopulation(population, () => hashScorer, { itemCount: 600, seed });
    expect(run(2024)).toEqual(run(2024));
    // The negatives, and so the sampled metrics, move with the seed; the full-catalog ones do not.
    expect(run(2024).ndcg10).not.toBe(run(2025).ndcg10);
    expect(run(2024).ndcg20).toBe(run(2025).ndcg20);
  });

  it('is summable: evaluating a split and adding the parts equals evaluating everyone', () => {
    fc.assert(
      fc.property(
        histories(150, 4, 6).chain((population) => fc.tuple(fc.constant(population), fc.integer({ min: 0, max: population.length }))),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        ([population, cut], seed) => {
          const options = { itemCount: 150, seed };
          const all = evaluatePopulation(population, () => hashScorer, options);
          const head = evaluatePopulation(population.slice(0, cut), () => hashScorer, options);
          const tail = evaluatePopulation(population.slice(cut), () => hashScorer, { ...options, firstUserIndex: cut });
          expect(addMetrics(head, tail)).toEqual(closeTo(all));
          // …and so does every device evaluating its own user and the server adding.
          const perDevice = population
            .map((history, u) => evaluateUser(history, hashScorer, { itemCount: 150, random: userRandom(seed, u) }))
            .reduce<MetricSums>((sum, one) => (one ? addMetrics(sum, one) : sum), emptyMetrics());
          expect(perDevice).toEqual(closeTo(all));
        },
      ),
    );
  });

  it('names the argument it refuses', () => {
    const ok = historyOf([1], [2]);
    const random = userRandom(0, 0);
    expect(() => evaluateUser(ok, constantScorer, { itemCount: 0, random })).toThrow(/options\.itemCount must be a positive integer/);
    expect(() => evaluateUser(ok, constantScorer, { itemCount: 2.5, random })).toThrow(/itemCount/);
    expect(() => evaluateUser(historyOf([1], [2, 9]), constantScorer, { itemCount: 5, random })).toThrow(
      /history\.orders\[1\]\[1\] is item 9, outside the catalog \[0, 5\)/,
    );
    expect(() => evaluateUser(historyOf([1], [-1]), constantScorer, { itemCount: 5, random })).toThrow(/history\.orders\[1\]\[0\]/);
    expect(() => evaluateUser(historyOf([1], []), constantScorer, { itemCount: 5, random })).toThrow(/history\.orders\[1\] is empty/);
    expect(() => evaluatePopulation([ok, historyOf([7], [1])], () => constantScorer, { itemCount: 5, seed: 0 })).toThrow(
      /histories\[1\]\.orders\[0\]\[0\]/,
    );
    expect(() => evaluateUser(ok, () => new Float32Array(3), { itemCount: 5, random })).toThrow(/scorer returned 3 scores for \d+ candidates/);
    expect(() => evaluateUser(ok, (_c, candidates) => new Float32Array(candidates.length).fill(NaN), { itemCount: 5, random })).toThrow(
      /scorer returned NaN for candidate 0/,
    );
    expect(() => evaluatePopulation([ok], () => constantScorer, { itemCount: 5, seed: -3 })).toThrow(/seed/);
    expect(() => evaluatePopulation([ok], () => constantScorer, { itemCount: 5, seed: 0, firstUserIndex: -1 })).toThrow(/firstUserIndex/);
  });
});
