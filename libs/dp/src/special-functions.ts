/**
 * Special functions in float64 for the accountants: log-space sums, log|Γ|, erfc and the
 * standard normal CDF, with their logarithms where a tail would underflow.
 *
 * Invariant: every function here is accurate to a small multiple of float64 rounding in the
 * relative sense over the ranges the accountants use (checked against mpmath in
 * special-functions.spec.ts); tails are computed in log space rather than flushed to 0.
 *
 * Methods (written from the textbook formulas, no ported code):
 *  - erf for |x| < 0.5: its Maclaurin series (A&S 7.1.5); erfc for x ≥ 0.5: e^{−x²}·erfcx(x)
 *    with erfcx from Chebyshev interpolants on [0.5, 18) (coefficients computed at 50 digits by
 *    tools/dp-fixtures/erfcx-chebyshev.py) and, above 18, the Laplace continued fraction
 *    (A&S 7.1.14) by the modified Lentz method (Press et al., Numerical Recipes 3e, Sec. 5.2).
 *  - log Γ: Stirling's series after shifting the argument above 15 (A&S 6.1.40), reflection
 *    Γ(x)Γ(1−x) = π / sin(πx) below 1/2 (A&S 6.1.17).
 */

import { ERFCX_CHEBYSHEV } from './erfcx-table';

const SQRT_PI = Math.sqrt(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const EPS = 2 ** -53;

/** log(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(e^a − e^b) for a ≥ b; −∞ when equal. */
export function logSubExp(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b > a) throw new RangeError(`logSubExp needs a >= b; got a=${a}, b=${b}`);
  if (a === b) return -Infinity;
  return a + log1mExp(b - a);
}

/** log(1 − e^x) for x ≤ 0, accurate at both ends (Mächler 2012, "Accurately computing log(1 − exp(−|a|))"). */
export function log1mExp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** log(e^x − 1) for x > 0. */
export function logExpm1(x: number): number {
  return x > 30 ? x + Math.log1p(-Math.exp(-x)) : Math.log(Math.expm1(x));
}

/** sin(πx) with the argument reduced exactly first, so large x keeps full relative accuracy. */
function sinPi(x: number): number {
  const n = Math.round(2 * x);
  const r = x - n / 2; // exact: |r| <= 1/4
  const s = ((n % 4) + 4) % 4;
  const t = Math.PI * r;
  return s === 0 ? Math.sin(t) : s === 1 ? Math.cos(t) : s === 2 ? -Math.sin(t) : -Math.cos(t);
}

// Stirling coefficients B_{2k} / (2k (2k−1)), k = 1..8.
const STIRLING = [
  1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400,
];

/** log|Γ(x)|, the same quantity as scipy.special.gammaln; +∞ at the poles 0, −1, −2, … */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) {
    // Reflection: log|Γ(x)| = log π − log|sin πx| − log Γ(1 − x).
    return Math.log(Math.PI) - Math.log(Math.abs(sinPi(x))) - logGamma(1 - x);
  }
  if (x === 1 || x === 2) return 0;
  let shift = 0;
  let y = x;
  if (y < 15) {
    // Γ(y) = Γ(y + n) / (y (y+1) … (y+n−1)); accumulate the product, rescaling rarely.
    let p = 1;
    while (y < 15) {
      p *= y;
      y += 1;
    }
    shift = Math.log(p);
  }
  const inv = 1 / y;
  const inv2 = inv * inv;
  let series = 0;
  for (let k = STIRLING.length - 1; k >= 0; k--) series = series * inv2 + STIRLING[k];
  return (y - 0.5) * Math.log(y) - y + LOG_SQRT_2PI + series * inv - shift;
}

/** log of the binomial coefficient |C(n, k)| for real n and integer k ≥ 0 (gammaln form). */
export function logAbsBinomial(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** erf(x) for |x| < 0.5 by its Maclaurin series (alternating but |terms| fall fast). */
function erfSmall(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 40; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < EPS * Math.abs(sum)) break;
  }
  return (2 / SQRT_PI) * sum;
}

/**
 * √π e^{x²} erfc(x) for x ≥ 18 by the continued fraction
 * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), modified Lentz.
 */
function scaledErfcCf(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return 1 / f;
}

/** erfcx(x) = e^{x²} erfc(x) for x ≥ 0.5: Chebyshev table below 18, continued fraction above. */
function erfcx(x: number): number {
  for (const { lo, hi, c } of ERFCX_CHEBYSHEV) {
    if (x < hi && x >= lo) {
      // Clenshaw recurrence for Σ c_j T_j(t).
      const t = (2 * x - lo - hi) / (hi - lo);
      let b1 = 0;
      let b2 = 0;
      for (let j = c.length - 1; j >= 1; j--) {
        const b0 = 2 * t * b1 - b2 + c[j];
        b2 = b1;
        b1 = b0;
      }
      return t * b1 - b2 + c[0];
    }
  }
  return scaledErfcCf(x) / SQRT_PI;
}

/** Complementary error function erfc(x) = 1 − erf(x), relative accuracy ~1e-15. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) return 1 - erfSmall(x);
  if (x > 27.3) return 0;
  return expMinusSquare(x) * erfcx(x);
}

/** e^{−x²} with x² split as xh² + (x − xh)(x + xh), xh = x cut to 26 bits so xh² is exact. */
function expMinusSquare(x: number): number {
  const xh = Math.floor(x * 2 ** 20) / 2 ** 20;
  return Math.exp(-xh * xh) * Math.exp(-(x - xh) * (x + xh));
}

/** log erfc(x), finite for every finite x (no underflow for large x). */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0.5) return Math.log(erfc(x));
  if (x === Infinity) return -Infinity;
  return -x * x + Math.log(erfcx(x));
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** log Φ(x), finite in the far left tail. */
export function logNormalCdf(x: number): number {
  if (x > 5) return Math.log1p(-0.5 * erfc(x / Math.SQRT2));
  return Math.log(0.5) + logErfc(-x / Math.SQRT2);
}

/** Standard normal survival function 1 − Φ(x) = Φ(−x). */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

/** Φ^{-1}(p) for p in (0, 1): Newton on log Φ from a tail-aware start. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  if (p > 0.5) return -normalQuantile(1 - p);
  const logP = Math.log(p);
  // Start from the tail asymptote x ≈ −√(−2 log p) (good for small p), or 0 near the centre.
  let x = p > 0.05 ? 0 : -Math.sqrt(-2 * logP - Math.log(-2 * logP * 2 * Math.PI));
  for (let i = 0; i < 100; i++) {
    const logCdf = logNormalCdf(x);
    // d/dx log Φ(x) = φ(x)/Φ(x)
    const logPdf = -0.5 * x * x - LOG_SQRT_2PI;
    const step = (logCdf - logP) / Math.exp(logPdf - logCdf);
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}
