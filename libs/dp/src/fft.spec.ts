// FFT and convolutions against the O(n²) definitions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convolve, fftInPlace, inverseRealFft, realFft, selfConvolvePower } from './fft';

const naiveConvolve = (a: number[], b: number[]) => {
  const out = new Array<number>(a.length + b.length - 1).fill(0);
  a.forEach((x, i) => b.forEach((y, j) => (out[i + j] += x * y)));
  return out;
};
const probs = (min: number, max: number) =>
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: min, maxLength: max });

describe('fft', () => {
  it('matches the DFT definition', () => {
    const n = 16;
    const x = Array.from({ length: n }, (_, i) => Math.sin(i) + i / 7);
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    fftInPlace(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < n; t++) {
        sr += x[t] * Math.cos((-2 * Math.PI * k * t) / n);
        si += x[t] * Math.sin((-2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(sr, 12);
      expect(im[k]).toBeCloseTo(si, 12);
    }
    expect(() => fftInPlace(new Float64Array(12), new Float64Array(12))).toThrow(/power of two/);
  });

  it('real FFT and its inverse round-trip', () => {
    fc.assert(
      fc.property(probs(1, 64), (xs) => {
        const n = 128;
        const { re, im } = realFft(Float64Array.from(xs), n);
        const back = inverseRealFft(re, im, n);
        xs.forEach((x, i) => expect(back[i]).toBeCloseTo(x, 13));
        for (let i = xs.length; i < n; i++) expect(Math.abs(back[i])).toBeLessThan(1e-13);
      }),
    );
  });

  it('convolve equals the direct sum, for both the direct and the FFT path', () => {
    fc.assert(
      fc.property(probs(1, 200), probs(1, 200), (a, b) => {
        const got = convolve(Float64Array.from(a), Float64Array.from(b));
        const want = naiveConvolve(a, b);
        const scale = Math.max(1, ...want.map(Math.abs));
        want.forEach((w, i) => expect(Math.abs(got[i] - w) / scale).toBeLessThan(1e-12));
      }),
      { numRuns: 40 },
    );
  });

  it('selfConvolvePower equals repeated convolution when nothing wraps', () => {
    const a = Float64Array.of(0.2, 0.5, 0.3);
    let want: Float64Array = a;
    for (let i = 1; i < 5; i++) want = convolve(want, a);
    const got = selfConvolvePower(a, 5, 16);
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 14));
  });
});
