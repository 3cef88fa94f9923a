import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFederatedAverage, clipToNorm, l2Norm, softmax, topK, trainLocally } from './popularity-model';
import { syntheticCatalog, syntheticHistory } from './synthetic-population';

const crossEntropy = (logits: ArrayLike<number>, counts: ArrayLike<number>) => {
  const p = softmax(logits);
  let total = 0;
  let loss = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  for (let i = 0; i < counts.length; i++) loss -= (counts[i] / total) * Math.log(p[i]);
  return loss;
};

describe('popularity model', () => {
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

  it('softmax of [0, ln 2, ln 3] is [1/6, 2/6, 3/6]', () => {
    const p = softmax([0, Math.log(2), Math.log(3)]);
    expect(Array.from(p).map((x) => x * 6)).toEqual([expect.closeTo(1, 12), expect.closeTo(2, 12), expect.closeTo(3, 12)]);
  });

  it('local training lowers the device cross-entropy', () => {
    const catalog = syntheticCatalog(50, 5);
    const counts = syntheticHistory(catalog, 7, 40);
    const logits = new Array(50).fill(0);
    const delta = trainLocally(logits, counts, { learningRate: 5, epochs: 3, clipNorm: 10 });
    const after = logits.map((v, i) => v + delta[i]);
    expect(crossEntropy(after, counts)).toBeLessThan(crossEntropy(logits, counts));
  });

  it('FedAvg divides the sum by the expected cohort size', () => {
    // [1, 2] + 1 · [4, -2] / 4 = [2, 1.5]
    expect(applyFederatedAverage([1, 2], [4, -2], 4)).toEqual([2, 1.5]);
    expect(() => applyFederatedAverage([1], [1, 2], 1)).toThrow(/sum has 2 entries/);
  });

  it('topK excludes items and breaks ties by index', () => {
    expect(topK([0.1, 0.5, 0.5, 0.9], 2, new Set([3]))).toEqual([
      { index: 1, score: 0.5 },
      { index: 2, score: 0.5 },
    ]);
  });

  it('synthetic histories are reproducible from the seed', () => {
    const catalog = syntheticCatalog(30, 3);
    expect(syntheticHistory(catalog, 11, 20)).toEqual(syntheticHistory(catalog, 11, 20));
    expect(syntheticHistory(catalog, 11, 20).reduce((a, b) => a + b, 0)).toBe(20);
  });
});
