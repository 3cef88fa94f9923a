/**
 * Exact samplers for the discrete Gaussian N_Z(0, σ²) — P(x) ∝ exp(−x²/(2σ²)) on the integers —
 * and the discrete Laplace, following Canonne, Kamath & Steinke 2020, "The Discrete Gaussian for
 * Differential Privacy" (arXiv:2004.00010), Sec. 5: Algorithm 1 (Bernoulli(e^{−γ})),
 * Algorithm 2 (discrete Laplace) and Algorithm 3 (discrete Gaussian by rejection from the
 * discrete Laplace with t = ⌊σ⌋ + 1).
 *
 * Invariant: exactness. Every probability is a rational handled with bigint arithmetic, every
 * coin is a uniform integer drawn by rejection from the RandomSource, so the output distribution
 * is exactly the discrete Gaussian — no floating point touches a sampling decision. σ² is given
 * as a rational; a float64 σ² is converted exactly (every finite double is a dyadic rational).
 */
import { check } from './dp-error';
import { type RandomSource, RandomReader, cryptoRandomSource } from './random-source';

/** A non-negative rational n/d with d > 0. */
export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** The exact rational value of a finite double ≥ 0. */
export function rationalFromNumber(x: number): Rational {
  check(Number.isFinite(x) && x >= 0, 'x', 'a finite number >= 0', x);
  let d = 1n;
  let v = x;
  // Multiply by 2 until integral: exact in binary floating point, at most 1074 steps.
  while (!Number.isInteger(v)) {
    v *= 2;
    d *= 2n;
  }
  return { numerator: BigInt(v), denominator: d };
}

export class DiscreteGaussianSampler {
  private readonly reader: RandomReader;

  constructor(random: RandomSource = cryptoRandomSource) {
    this.reader = new RandomReader(random);
  }

  /** Bernoulli(n/d) for 0 ≤ n/d ≤ 1. */
  private bernoulli(n: bigint, d: bigint): boolean {
    return this.reader.bigintBelow(d) < n;
  }

  /** Bernoulli(exp(−n/d)) for n/d ≥ 0 (CKS20 Algorithm 1). */
  bernoulliExpMinus(n: bigint, d: bigint): boolean {
    // e^{−γ} = (e^{−1})^{⌊γ⌋} · e^{−(γ − ⌊γ⌋)}
    while (n > d) {
      if (!this.bernoulliExpMinusAtMostOne(1n, 1n)) return false;
      n -= d;
    }
    return this.bernoulliExpMinusAtMostOne(n, d);
  }

  /** For γ = n/d in [0, 1]: K ← 1; while Bernoulli(γ/K) K ← K + 1; return K odd. */
  private bernoulliExpMinusAtMostOne(n: bigint, d: bigint): boolean {
    let k = 1n;
    while (this.bernoulli(n, d * k)) k += 1n;
    return k % 2n === 1n;
  }

  /**
   * Discrete Laplace with P(x) ∝ e^{−|x|·d/n}, i.e. scale n/d > 0 (CKS20 Algorithm 2 with t = n,
   * s = d): U uniform below n, kept with probability e^{−U/n}; V geometric; X = ⌊(U + nV)/d⌋.
   */
  discreteLaplace(n: bigint, d: bigint): bigint {
    check(n > 0n && d > 0n, 'scale', 'a positive rational n/d', `${n}/${d}`);
    for (;;) {
      const u = this.reader.bigintBelow(n);
      if (!this.bernoulliExpMinus(u, n)) continue;
      let v = 0n;
      while (this.bernoulliExpMinus(1n, 1n)) v += 1n;
      const x = (u + n * v) / d;
      const negative = this.bernoulli(1n, 2n);
      if (negative && x === 0n) continue;
      return negative ? -x : x;
    }
  }

  /** One sample of N_Z(0, σ²), σ² given as a rational or an exactly converted double. */
  sample(sigmaSquared: Rational | number): bigint {
    const s2 = typeof sigmaSquared === 'number' ? rationalFromNumber(sigmaSquared) : sigmaSquared;
    check(s2.denominator > 0n && s2.numerator >= 0n, 'sigmaSquared', 'a rational >= 0', `${s2.numerator}/${s2.denominator}`);
    if (s2.numerator === 0n) return 0n;
    const { numerator: n, denominator: d } = s2;
    // t = ⌊σ⌋ + 1 with σ = √(n/d): the largest integer s with s²·d ≤ n, plus one.
    const t = integerSqrt(n / d) + 1n;
    for (;;) {
      const y = this.discreteLaplace(t, 1n);
      const absY = y < 0n ? -y : y;
      // Accept with probability exp(−(|y| − σ²/t)² / (2σ²)) = exp(−(|y|·t·d − n)² / (2·n·t²·d)).
      const num = absY * t * d - n;
      if (this.bernoulliExpMinus(num * num, 2n * n * t * t * d)) return y;
    }
  }

  /** Fills `out` with independent N_Z(0, σ²) samples. */
  fill(out: bigint[] | BigInt64Array, sigmaSquared: Rational | number): void {
    const s2 = typeof sigmaSquared === 'number' ? rationalFromNumber(sigmaSquared) : sigmaSquared;
    for (let i = 0; i < out.length; i++) out[i] = this.sample(s2);
  }
}

/** ⌊√n⌋ for n ≥ 0 (Newton's method on bigints). */
function integerSqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Correct the float estimate (exact for any size).
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}
