import { describe, expect, it } from 'vitest';
import { itemPopularity, popularityScorer, repeatScorer } from './baseline-scorers';
import { type PurchaseHistory } from './purchase-history';
import { topKItems } from './ranking-metrics';

const historyOf = (...orders: number[][]): PurchaseHistory => ({ orders: orders.map((o) => Int32Array.from(o)) });
const catalog = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('itemPopularity', () => {
  it('counts every occurrence in every order but each user’s last', () => {
    // u0: [2, 2, 3] and [3] count, [9] is held out; u1: only [4] is held out → nothing.
    const counts = itemPopularity([historyOf([2, 2, 3], [3], [9]), historyOf([4])], 10);
    expect(Array.from(counts)).toEqual([0, 0, 2, 2, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses items outside the catalog', () => {
    expect(() => itemPopularity([historyOf([1], [10])], 10)).toThrow(/histories\[0\]\.orders\[1\]\[0\] is item 10/);
    expect(() => itemPopularity([], 0)).toThrow(/itemCount must be a positive integer/);
  });
});

describe('popularityScorer', () => {
  it('scores each candidate by its count, whatever the context', () => {
    const scorer = popularityScorer(Float64Array.from([5, 0, 2]));
    expect(Array.from(scorer([Int32Array.from([1])], Int32Array.from([2, 0, 1])))).toEqual([2, 5, 0]);
  });

  it('names the argument it refuses', () => {
    expect(() => popularityScorer(Float64Array.from([1, NaN]))).toThrow(/counts\[1\] must be a finite count/);
    expect(() => popularityScorer(new Float64Array(0))).toThrow(/counts must be a non-empty Float64Array/);
    expect(() => popularityScorer(Float64Array.from([1, 2]))([], Int32Array.from([0, 2]))).toThrow(/candidates\[1\] is item 2, outside the 2 items of counts/);
  });
});

describe('repeatScorer', () => {
  it('ranks the user’s own most-bought item first, then by own count, then by popularity', () => {
    // Own counts from the context: item 7 × 3, item 3 × 2, item 9 × 1, item 4 × 1.
    // Popularity favours 0 (100) over 9 (50) over 4 (10): 7, 3 first by own count; 9 before 4 (same
    // own count, 9 more popular); then the never-bought by popularity: 0, then 1 (5), then index.
    const popularity = new Float64Array(12);
    popularity.set([100, 5], 0);
    popularity[9] = 50;
    popularity[4] = 10;
    const context = [[3, 7], [7, 9], [7, 3, 4]].map((o) => Int32Array.from(o));
    const scores = repeatScorer(popularity)(context, catalog(12));
    expect(Array.from(topKItems(scores, 7))).toEqual([7, 3, 9, 4, 0, 1, 2]);
  });

  it('keeps a larger own count strictly above any popularity, despite Float32 rounding', () => {
    // Item 0: own 100 and the maximal popularity; item 1: own 101 and popularity 0. With a
    // [0, 1) popularity term, 100 + 1e6/(1 + 1e6) would round in Float32 to 101 and tie.
    const popularity = Float64Array.from([1e6, 0]);
    const context = [Int32Array.from([...new Array<number>(100).fill(0), ...new Array<number>(101).fill(1)])];
    const [a, b] = repeatScorer(popularity)(context, catalog(2));
    expect(b).toBeGreaterThan(a);
    expect(a).toBeGreaterThan(100);
  });

  it('names the argument it refuses', () => {
    expect(() => repeatScorer(Float64Array.from([-1]))).toThrow(/popularity\[0\] must be a finite count >= 0/);
    expect(() => repeatScorer(Float64Array.from([1]))([], Int32Array.from([3]))).toThrow(/candidates\[0\] is item 3, outside the 1 items of popularity/);
  });
});
