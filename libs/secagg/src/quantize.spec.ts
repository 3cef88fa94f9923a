/**
 * Quantization: values are clamped to [−c, c]; stochastic rounding is unbiased; decode of a sum
 * divides out the scale exactly (power-of-two scales are exact in IEEE doubles); the sum of n
 * encodings decodes to Σ q / s with no wrap when params allow n.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addInto, reduceInto } from './modular';
import { createSecAggParams, modulusMask } from './params';
import { dequantize, quantize, toSigned } from './quantize';
import { SecAggErrorCode } from './secagg-error';

/** Deterministic uniform source (mulberry32) so the tests are reproducible. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('quantize / dequantize', () => {
  it('clamps to the clipping range and encodes negatives in two’s complement mod 2^b', () => {
    const p = { clipRange: 2, scale: 4, modulusBits: 8, dimension: 5 };
    const q = quantize([-5, -2, 0, 1.25, 9], p, () => 0.999);
    expect(Array.from(toSigned(q, 8))).toEqual([-8, -8, 0, 5, 8]);
    expect(q[0]).toBe(256 - 8);
  });

  it('rounds stochastically: v = 2.25 becomes 3 with probability 1/4 (randomness is a parameter)', () => {
    const p = { clipRange: 10, scale: 1, modulusBits: 16, dimension: 1 };
    expect(quantize([2.25], p, () => 0.2)[0]).toBe(3);
    expect(quantize([2.25], p, () => 0.25)[0]).toBe(2);
    const rnd = seeded(7);
    let sum = 0;
    const trials = 40_000;
    for (let i = 0; i < trials; i++) sum += quantize([2.25], p, rnd)[0]!;
    // Mean 2.25, sd of one draw √(0.25·0.75) ≈ 0.433; 6 sd of the mean ≈ 0.013.
    expect(Math.abs(sum / trials - 2.25)).toBeLessThan(0.013);
  });

  it('property: the decoded modular sum of n encodings is Σ q / s exactly, and within n/s of Σ clip(x)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 50 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (n, scaleLog2, seed) => {
          const scale = 2 ** scaleLog2;
          const params = createSecAggParams({ clients: n, dimension: 8, modulusBits: 24, clipRange: 3, scale, degree: n - 1, threshold: 2 });
          const rnd = seeded(seed);
          const acc = new Uint32Array(8);
          const exact = new Float64Array(8);
          const clipped = new Float64Array(8);
          for (let u = 0; u < n; u++) {
            const x = Array.from({ length: 8 }, () => (rnd() - 0.5) * 8);
            const q = quantize(x, params, rnd);
            addInto(acc, q);
            toSigned(q, 24).forEach((v, j) => (exact[j] = exact[j]! + v));
            x.forEach((v, j) => (clipped[j] = clipped[j]! + Math.max(-3, Math.min(3, v))));
          }
          reduceInto(acc, modulusMask(24));
          const decoded = dequantize(acc, params);
          for (let j = 0; j < 8; j++) {
            expect(decoded[j]).toBe(exact[j]! / scale);
            expect(Math.abs(decoded[j]! - clipped[j]!)).toBeLessThanOrEqual(n / scale);
          }
        },
      ),
    );
  });

  it('refuses NaN and a wrong length', () => {
    const p = { clipRange: 1, scale: 1, modulusBits: 8, dimension: 2 };
    expect(() => quantize([0, Number.NaN], p, Math.random)).toThrow(/values\[1\]/);
    expect(() => quantize([0], p, Math.random)).toThrow(expect.objectContaining({ code: SecAggErrorCode.WrongVectorLength }));
  });
});
