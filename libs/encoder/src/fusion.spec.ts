import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuseEmbeddings } from './fusion';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));
const cos = (a: Float32Array, b: Float32Array) => dot(a, b) / (norm(a) * norm(b));
const vector = (n: number) =>
  fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n })
    .map((v) => Float32Array.from(v))
    .filter((v) => norm(v) > 1e-3);

describe('fuseEmbeddings', () => {
  it('puts a text-only item in the text block with unit norm and a zero image block', () => {
    const fused = fuseEmbeddings(Float32Array.from([3, 4]), undefined, 2, 3);
    // [3,4]/5 then zeros.
    expect(Array.from(fused)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0, 0, 0]);
  });

  it('puts an image-only item in the image block', () => {
    const fused = fuseEmbeddings(undefined, Float32Array.from([0, 2, 0]), 2, 3);
    expect(Array.from(fused)).toEqual([0, 0, 0, expect.closeTo(1, 6), 0]);
  });

  it('treats an all-zero part as missing and refuses an item with nothing', () => {
    const fused = fuseEmbeddings(Float32Array.from([1, 0]), new Float32Array(3), 2, 3);
    expect(Array.from(fused)).toEqual([1, 0, 0, 0, 0]);
    expect(() => fuseEmbeddings(undefined, undefined, 2, 3)).toThrow(RangeError);
    expect(() => fuseEmbeddings(new Float32Array(2), undefined, 2, 3)).toThrow(RangeError);
  });

  it('refuses parts of the wrong length', () => {
    expect(() => fuseEmbeddings(new Float32Array(3), undefined, 2, 3)).toThrow(/text embedding has 3/);
    expect(() => fuseEmbeddings(undefined, new Float32Array(2), 2, 3)).toThrow(/image embedding has 2/);
  });

  it('with both parts, unit norm and dot = (cos_text + cos_image) / 2', () => {
    fc.assert(
      fc.property(vector(4), vector(5), vector(4), vector(5), (t1, i1, t2, i2) => {
        const a = fuseEmbeddings(t1, i1, 4, 5);
        const b = fuseEmbeddings(t2, i2, 4, 5);
        expect(norm(a)).toBeCloseTo(1, 5);
        expect(dot(a, b)).toBeCloseTo((cos(t1, t2) + cos(i1, i2)) / 2, 5);
      }),
      { numRuns: 200 },
    );
  });

  it('an item missing a modality scores cos_shared / √2 against a full item, 0 against a disjoint one', () => {
    fc.assert(
      fc.property(vector(4), vector(5), vector(4), (t1, i1, t2) => {
        const full = fuseEmbeddings(t1, i1, 4, 5);
        const textOnly = fuseEmbeddings(t2, undefined, 4, 5);
        const imageOnly = fuseEmbeddings(undefined, i1, 4, 5);
        expect(dot(full, textOnly)).toBeCloseTo(cos(t1, t2) / Math.SQRT2, 5);
        expect(dot(textOnly, imageOnly)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
