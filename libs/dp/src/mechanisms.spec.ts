// Samplers: the randomness port is honoured, moments are right, the discrete Gaussian is exact.
import { describe, expect, it } from 'vitest';
import { DiscreteGaussianSampler, rationalFromNumber } from './discrete-gaussian-sampler';
import { GaussianSampler } from './gaussian-sampler';
import { type RandomSource, RandomReader, cryptoRandomSource } from './random-source';

/** A deterministic RandomSource (xorshift128+ bytes) so statistical tests are reproducible. */
function seededSource(seed: number): RandomSource {
  let s0 = BigInt(seed) | 1n;
  let s1 = 0x9e3779b97f4a7c15n;
  const mask = (1n << 64n) - 1n;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i += 8) {
      let x = s0;
      const y = s1;
      s0 = y;
      x = (x ^ (x << 23n)) & mask;
      s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
      const v = (s1 + y) & mask;
      for (let j = 0; j < 8 && i + j < bytes.length; j++) bytes[i + j] = Number((v >> BigInt(8 * j)) & 0xffn);
    }
  };
}

describe('RandomSource', () => {
  it('defaults to WebCrypto and fills more than its 64 KiB per-call limit', () => {
    const bytes = new Uint8Array(100_000);
    cryptoRandomSource(bytes);
    expect(bytes.subarray(70_000).some((b) => b !== 0)).toBe(true);
  });

  it('draws bounded integers uniformly (no modulo bias)', () => {
    const reader = new RandomReader(seededSource(7));
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[Number(reader.bigintBelow(3n))]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400); // > 4.5 sd
  });
});

describe('GaussianSampler', () => {
  it('reads only the injected source: equal seeds give equal noise', () => {
    const a = new GaussianSampler(seededSource(1));
    const b = new GaussianSampler(seededSource(1));
    for (let i = 0; i < 10; i++) expect(a.sample(2)).toBe(b.sample(2));
  });

  it('has mean 0, variance σ² and Gaussian tails', () => {
    const s = new GaussianSampler(seededSource(42));
    const n = 200_000;
    const sigma = 3;
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const x = s.sample(sigma);
      sum += x;
      sq += x * x;
      if (Math.abs(x) > 2 * sigma) beyond2++;
    }
    expect(Math.abs(sum / n)).toBeLessThan((5 * sigma) / Math.sqrt(n));
    expect(Math.abs(sq / n / (sigma * sigma) - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(0.003);
  });

  it('adds noise in place', () => {
    const v = new Float64Array(1000).fill(10);
    new GaussianSampler(seededSource(3)).addNoise(v, 1);
    expect(v.some((x) => x !== 10)).toBe(true);
    expect(Math.abs(v.reduce((a, b) => a + b, 0) / 1000 - 10)).toBeLessThan(0.2);
  });
});

describe('DiscreteGaussianSampler (Canonne, Kamath & Steinke 2020)', () => {
  it('converts doubles to exact rationals', () => {
    expect(rationalFromNumber(0.75)).toEqual({ numerator: 3n, denominator: 4n });
    expect(rationalFromNumber(5)).toEqual({ numerator: 5n, denominator: 1n });
  });

  it('Bernoulli(exp(−γ)) has the right rate for γ = 0.5 and γ = 2.3', () => {
    const s = new DiscreteGaussianSampler(seededSource(11));
    for (const [n, d] of [
      [1n, 2n],
      [23n, 10n],
    ] as const) {
      let hits = 0;
      const trials = 40_000;
      for (let i = 0; i < trials; i++) if (s.bernoulliExpMinus(n, d)) hits++;
      const p = Math.exp(-Number(n) / Number(d));
      expect(Math.abs(hits / trials - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / trials));
    }
  });

  it('matches the discrete Gaussian pmf ∝ exp(−x²/2σ²) (chi-square over the central support)', () => {
    const s = new DiscreteGaussianSampler(seededSource(5));
    const sigma2 = 2.5;
    const n = 30_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const x = Number(s.sample(sigma2));
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    let z = 0;
    for (let x = -60; x <= 60; x++) z += Math.exp(-(x * x) / (2 * sigma2));
    let chi2 = 0;
    let cells = 0;
    for (let x = -5; x <= 5; x++) {
      const expected = (n * Math.exp(-(x * x) / (2 * sigma2))) / z;
      chi2 += ((counts.get(x) ?? 0) - expected) ** 2 / expected;
      cells++;
    }
    // 11 cells: the 99.9 % quantile of χ²(10) is 29.6.
    expect(cells).toBe(11);
    expect(chi2).toBeLessThan(29.6);
    expect([...counts.keys()].every(Number.isInteger)).toBe(true);
  });

  it('returns 0 for σ² = 0 and accepts rational σ²', () => {
    const s = new DiscreteGaussianSampler(seededSource(9));
    expect(s.sample(0)).toBe(0n);
    const out = new Array<bigint>(50);
    s.fill(out, { numerator: 10n, denominator: 3n });
    expect(out.every((x) => typeof x === 'bigint')).toBe(true);
  });
});
