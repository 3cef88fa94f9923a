import { describe, expect, it } from 'vitest';
import { dirichletInto, gamma, mixSeed, seededPermutation, seededStream } from './random';

const moments = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
};

describe('seeded randomness', () => {
  it('streams are reproducible and distinct per (seed, stream)', () => {
    const draw = (seed: number, stream: number) => Array.from({ length: 4 }, seededStream(seed, stream));
    expect(draw(7, 3)).toEqual(draw(7, 3));
    expect(draw(7, 3)).not.toEqual(draw(7, 4));
    expect(draw(7, 3)).not.toEqual(draw(8, 3));
    expect(mixSeed(0, 0)).not.toBe(mixSeed(0, 1));
  });

  it('a permutation holds every index once', () => {
    const p = seededPermutation(1000, seededStream(1));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it.each([0.3, 1, 3.5])('Gamma(%s) has mean and variance equal to its shape', (shape) => {
    // N = 40 000 draws: the standard error of the mean is √(shape / N); allow 5 of them.
    const random = seededStream(42, Math.round(shape * 10));
    const xs = Array.from({ length: 40_000 }, () => gamma(shape, random));
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean - shape)).toBeLessThan(5 * Math.sqrt(shape / xs.length));
    expect(Math.abs(variance / shape - 1)).toBeLessThan(0.08);
  });

  it('Dirichlet(α) has mean α / Σα and Beta marginals of variance m(1 − m)/(Σα + 1)', () => {
    // α = (2, 1, 1): means 1/2, 1/4, 1/4; Var(first) = (1/2)(1/2)/(4 + 1) = 0.05.
    const random = seededStream(5);
    const out = new Float64Array(3);
    const first: number[] = [];
    const third: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      dirichletInto([2, 1, 1], random, out);
      expect(out[0] + out[1] + out[2]).toBeCloseTo(1, 12);
      first.push(out[0]);
      third.push(out[2]);
    }
    expect(moments(first).mean).toBeCloseTo(0.5, 2);
    expect(moments(third).mean).toBeCloseTo(0.25, 2);
    expect(moments(first).variance).toBeCloseTo(0.05, 2);
  });
});
