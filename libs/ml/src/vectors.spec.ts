import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticCatalog, syntheticOrders } from './synthetic-population';
import { clipToNorm, l2Norm, softmax, topK } from './vectors';

describe('vectors', () => {
  it('clips every vector to at most C and leaves short ones untouched', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 64 }), fc.double({ min: 1e-3, max: 10, noNaN: true }), (values, clip) => {
        const vector = Float32Array.from(values);
        const clipped = clipToNorm(vector, clip);
        expect(l2Norm(clipped)).toBeLessThanOrEqual(clip);
        if (l2Norm(vector) <= clip) expect(clipped).toBe(vector);
      }),
    );
  });

  it('refuses to clip a vector with a NaN or infinite entry', () => {
    expect(() => clipToNorm(Float32Array.of(1, NaN), 1)).toThrow(/NaN or infinite/);
    expect(() => clipToNorm(Float32Array.of(Infinity), 1)).toThrow(/NaN or infinite/);
  });

  it('softmax of [0, ln 2, ln 3] is [1/6, 2/6, 3/6]', () => {
    const p = softmax([0, Math.log(2), Math.log(3)]);
    expect(Array.from(p).map((x) => x * 6)).toEqual([expect.closeTo(1, 12), expect.closeTo(2, 12), expect.closeTo(3, 12)]);
  });

  it('topK excludes items and breaks ties by index', () => {
    expect(topK([0.1, 0.5, 0.5, 0.9], 2, new Set([3]))).toEqual([
      { index: 1, score: 0.5 },
      { index: 2, score: 0.5 },
    ]);
  });

  it('synthetic orders are reproducible from the seed and buy again what was bought', () => {
    const catalog = syntheticCatalog(30, 3);
    const orders = syntheticOrders(catalog, 11, 12);
    expect(syntheticOrders(catalog, 11, 12)).toEqual(orders);
    expect(orders).toHaveLength(12);
    for (const order of orders) expect(new Set(order).size).toBe(order.length);
    const seen = new Set<number>();
    let repeats = 0;
    for (const order of orders) {
      for (const item of order) if (seen.has(item)) repeats++;
      order.forEach((item) => seen.add(item));
    }
    expect(repeats).toBeGreaterThan(0);
  });
});
