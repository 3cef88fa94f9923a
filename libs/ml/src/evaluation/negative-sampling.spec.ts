import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleNegatives, userRandom } from './negative-sampling';
import { type PurchaseHistory } from './purchase-history';

const historyOf = (...orders: number[][]): PurchaseHistory => ({ orders: orders.map((o) => Int32Array.from(o)) });

/** A catalog size and a history over it (possibly buying most of the catalog). */
const catalogAndHistory = fc.integer({ min: 1, max: 300 }).chain((itemCount) =>
  fc.record({
    itemCount: fc.constant(itemCount),
    history: fc
      .array(fc.array(fc.integer({ min: 0, max: itemCount - 1 }), { minLength: 1, maxLength: 40 }), { maxLength: 8 })
      .map((orders) => historyOf(...orders)),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    userIndex: fc.nat(),
  }),
);

describe('sampled negatives', () => {
  it('never include a bought item, never repeat, and take min(99, never-bought) items', () => {
    fc.assert(
      fc.property(catalogAndHistory, ({ itemCount, history, seed, userIndex }) => {
        const bought = new Set(history.orders.flatMap((o) => Array.from(o)));
        const negatives = Array.from(sampleNegatives(history, itemCount, 99, userRandom(seed, userIndex)));
        expect(negatives.filter((item) => bought.has(item))).toEqual([]);
        expect(new Set(negatives).size).toBe(negatives.length);
        expect(negatives.every((item) => item >= 0 && item < itemCount)).toBe(true);
        expect(negatives.length).toBe(Math.min(99, itemCount - bought.size));
      }),
    );
  });

  it('uses every never-bought item when fewer than 99 qualify, drawing nothing', () => {
    // Catalog of 10, items 1, 4, 4, 7 bought: the 7 others, in index order, without calling random.
    const noDraws = () => {
      throw new Error('random must not be called');
    };
    expect(Array.from(sampleNegatives(historyOf([1, 4], [4, 7]), 10, 99, noDraws))).toEqual([0, 2, 3, 5, 6, 8, 9]);
  });

  it('draws uniformly: each never-bought item is picked with probability count / available', () => {
    // 1000 items, item 0 bought, 3 negatives per draw → each of the 999 items with p = 3/999.
    // Over 33300 draws an item is expected 100 times (sd ≈ 10); bucket into 9 groups of 111 items,
    // each expected 11100 times (sd ≈ 105): a ±600 band fails only on a real bias.
    const random = userRandom(7, 0);
    const groups = new Array<number>(9).fill(0);
    for (let n = 0; n < 33_300; n++) for (const item of sampleNegatives(historyOf([0]), 1000, 3, random)) groups[Math.floor((item - 1) / 111)]++;
    for (const g of groups) expect(Math.abs(g - 11_100)).toBeLessThan(600);
  });

  it('is deterministic per (seed, userIndex) and differs across seeds and users', () => {
    const draw = (seed: number, user: number) => Array.from(sampleNegatives(historyOf([3]), 5000, 99, userRandom(seed, user)));
    expect(draw(42, 3)).toEqual(draw(42, 3));
    expect(draw(42, 3)).not.toEqual(draw(43, 3));
    expect(draw(42, 3)).not.toEqual(draw(42, 4));
  });

  it('names the argument it refuses', () => {
    expect(() => userRandom(-1, 0)).toThrow(/seed must be an integer in \[0, 2\^32\)/);
    expect(() => userRandom(1.5, 0)).toThrow(/seed/);
    expect(() => userRandom(0, -2)).toThrow(/userIndex/);
    expect(() => sampleNegatives(historyOf([0]), 500, 99, () => 1)).toThrow(/random must return numbers in \[0, 1\); got 1/);
    expect(() => sampleNegatives(historyOf([0]), 500, -1, Math.random)).toThrow(/count/);
  });
});
