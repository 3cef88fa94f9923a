/**
 * Rényi DP of the Poisson-subsampled Gaussian mechanism at each order α.
 *
 * RDP(α) = log(A_α) / (α − 1) with A_α = E_{z∼N(0,σ²)}[(1 − q + q·L(z))^α],
 * L(z) = exp((2z − 1)/(2σ²)) (Mironov, Talwar & Zhang 2019, arXiv:1908.10530, Sec. 3; the add/
 * remove relation; q = 1 gives the closed form α/(2σ²)).
 *
 * Two modes:
 *  - 'exact' (default): the true value. Integer α: A_α − 1 = Σ_{k≥2} C(α,k) q^k (1−q)^{α−k}
 *    (e^{k(k−1)/(2σ²)} − 1) (MTZ19 Sec. 3.2, with the k = 0, 1 terms folded into the "− 1"), a sum
 *    of positive terms. Fractional α: A_α − 1 = E[f(q(L(z) − 1))], f(x) = (1+x)^α − 1 − αx ≥ 0,
 *    which is the same integral as MTZ19 Sec. 3.3 minus E[1 + αq(L−1)] = 1, integrated by the
 *    trapezoidal rule (exponentially convergent for this analytic, Gaussian-tailed integrand;
 *    Trefethen & Weideman 2014, SIAM Review 56(3), Sec. 5). Working with A_α − 1 keeps full
 *    relative accuracy when A_α is within 1e-9 of 1 (small q), where summing the series for A_α
 *    itself — as Opacus does — loses every digit to cancellation. The result is agreed with the
 *    signed series evaluated by mpmath at 30 digits to ≤ 1.2e-14 (see the fixtures), and is then
 *    raised by EXACT_MODE_RELATIVE_MARGIN so rounding can never leave it below the truth.
 *  - 'conservative': dp_accounting's algorithm (rdp_privacy_accountant._compute_log_a_frac since
 *    2024) at fractional α: the MTZ19 Sec. 3.3 series with the absolute value of every term, its
 *    stopping rule and its 1000-term cap (+∞, i.e. the order is ignored, when it does not
 *    converge). Meant as an upper bound, but its truncation can leave it a hair (≤ 3.3e-11
 *    relative on the fixture grid) below the exact value, so this mode reports the larger of the
 *    two. Integer orders use the exact sum in both modes.
 *
 * Invariant: no returned value is below the exact RDP — values computed by summation or
 * quadrature carry the margin, and the conservative mode is never below the exact mode.
 */
import { check } from './dp-error';
import { logAddExp, logErfc, logExpm1 } from './special-functions';

export type RdpMode = 'exact' | 'conservative';

/**
 * Relative amount added to every value computed by summation or quadrature: ~80× the largest
 * relative error seen against the 30-digit reference over the fixture grid (1.2e-14 on 5 616
 * values with q < 1), and still 1000× below the 1e-9 agreement the tests demand.
 */
export const EXACT_MODE_RELATIVE_MARGIN = 1e-12;

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** RDP of the Poisson-subsampled Gaussian at every order (+∞ where unbounded). */
export function rdpPoissonSubsampledGaussian(
  samplingRate: number,
  noiseMultiplier: number,
  orders: readonly number[],
  mode: RdpMode = 'exact',
): Float64Array {
  check(samplingRate >= 0 && samplingRate <= 1, 'samplingRate', 'in [0, 1]', samplingRate);
  check(noiseMultiplier >= 0, 'noiseMultiplier', '>= 0', noiseMultiplier);
  const out = new Float64Array(orders.length);
  orders.forEach((alpha, i) => {
    check(alpha > 1, `orders[${i}]`, '> 1', alpha);
    out[i] = rdpAtOrder(samplingRate, noiseMultiplier, alpha, mode);
  });
  return out;
}

function rdpAtOrder(q: number, sigma: number, alpha: number, mode: RdpMode): number {
  if (q === 0 || sigma === Infinity) return 0;
  if (alpha === Infinity || sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (Number.isInteger(alpha)) return withMargin(log1pFromLog(logAm1Integer(q, sigma, alpha)) / (alpha - 1));
  const exact = withMargin(log1pFromLog(logAm1Quadrature(q, sigma, alpha)) / (alpha - 1));
  if (mode === 'exact') return exact;
  // dp_accounting's series is cut where a term falls e^{-30} below the total, which can leave it
  // up to ~3e-11 (relative) *below* the exact value when q is small; never report less than exact.
  return Math.max(logAFractionalAbsSeries(q, sigma, alpha) / (alpha - 1), exact);
}

const withMargin = (x: number) => x * (1 + EXACT_MODE_RELATIVE_MARGIN);

/** log(1 + e^v) without overflow or loss for very negative v. */
function log1pFromLog(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}

/** log(A_α − 1) for integer α ≥ 2, 0 < q < 1: a log-sum of positive terms. */
function logAm1Integer(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoS2 = 2 * sigma * sigma;
  // Accumulate log C(α, k) by its ratio recurrence from k = 2 (a sum of small logs: absolute
  // error ~k·1e-16, below what log Γ differences at α = 1024 would give).
  let logBinom = Math.log((alpha * (alpha - 1)) / 2);
  let acc = -Infinity;
  for (let k = 2; k <= alpha; k++) {
    if (k > 2) logBinom += Math.log((alpha - k + 1) / k);
    const term = logBinom + k * logQ + (alpha - k) * log1mQ + logExpm1((k * k - k) / twoS2);
    acc = logAddExp(acc, term);
  }
  return acc;
}

/** log f(x) for f(x) = (1+x)^α − 1 − αx, given log(1+x) and x (x may overflow to +∞). */
function logExcess(x: number, log1px: number, alpha: number, logXIfHuge: number): number {
  if (Math.abs(x) <= 0.5 && alpha * Math.abs(x) <= 1) {
    // Σ_{k≥2} C(α,k) x^k: successive terms shrink by |(α−k)x/(k+1)| ≤ 1/2.
    let c = (alpha * (alpha - 1)) / 2;
    let p = x * x;
    let sum = c * p;
    for (let k = 2; k < 200; k++) {
      c *= (alpha - k) / (k + 1);
      p *= x;
      const t = c * p;
      sum += t;
      if (Math.abs(t) <= 1e-17 * Math.abs(sum)) break;
    }
    return Math.log(sum);
  }
  const u = alpha * log1px;
  if (u < 30) return Math.log(Math.expm1(u) - alpha * x);
  // f = e^u (1 − (1 + αx) e^{−u}) and 0 < (1 + αx) e^{−u} < 1 by convexity.
  const logOnePlusAlphaX = Number.isFinite(x) ? Math.log1p(alpha * x) : Math.log(alpha) + logXIfHuge;
  return u + Math.log1p(-Math.exp(logOnePlusAlphaX - u));
}

/**
 * log(A_α − 1) for any real α > 1 and 0 < q < 1, by the trapezoidal rule on
 * ∫ φ_σ(z) f(q(L(z) − 1)) dz over [−10σ, α + 10σ]: the integrand is bounded by Gaussian bumps of
 * width σ at 0 and at α, so the cut tails are below e^{−50} of it. The step h = min(σ/6, σ²/2)
 * keeps the discretisation error near e^{−2π·πσ²/h} ≤ e^{−39}: the integrand is analytic in the
 * strip |Im z| < πσ², where 1 − q + qL first vanishes (Trefethen & Weideman 2014, Thm 5.1).
 */
export function logAm1Quadrature(q: number, sigma: number, alpha: number): number {
  const s2 = sigma * sigma;
  const h = Math.min(sigma / 6, s2 / 2);
  const lo = -10 * sigma;
  const n = Math.ceil((alpha + 20 * sigma) / h);
  const logQ = Math.log(q);
  const values = new Float64Array(n + 1);
  let max = -Infinity;
  for (let i = 0; i <= n; i++) {
    const z = lo + i * h;
    const logL = (2 * z - 1) / (2 * s2);
    const x = q * Math.expm1(logL); // q(L − 1), accurate near L = 1
    let v = -Infinity;
    if (x !== 0) {
      // log(1 + x) = log(1 − q + qL); past ~1e300 use log(qL) (1 − q is then invisible).
      const log1px = x < 1e300 ? Math.log1p(x) : logQ + logL;
      v = -(z * z) / (2 * s2) + logExcess(x, log1px, alpha, logQ + logL);
    }
    values[i] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i <= n; i++) if (values[i] - max > -745) sum += Math.exp(values[i] - max);
  return max + Math.log(sum * h) - Math.log(sigma) - LOG_SQRT_2PI;
}

const MAX_STEPS_ABS_SERIES = 1000;

/**
 * log A_α by dp_accounting's conservative series (absolute values of the MTZ19 Sec. 3.3 terms),
 * with its stopping rule: both halves decreasing and the newest term e^{−30} below the total.
 */
function logAFractionalAbsSeries(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const sq2s = Math.SQRT2 * sigma;
  const twoS2 = 2 * sigma * sigma;
  let lastS0 = -Infinity;
  let lastS1 = -Infinity;
  let logCoef = 0; // log |binom(α, i)|, by the recurrence binom(α, i + 1) = binom(α, i)·(α − i)/(i + 1)
  for (let i = 0; i < MAX_STEPS_ABS_SERIES; i++) {
    if (i > 0) logCoef += Math.log(Math.abs(alpha - i + 1)) - Math.log(i);
    const j = alpha - i;
    const logT0 = logCoef + i * logQ + j * log1mQ;
    const logT1 = logCoef + j * logQ + i * log1mQ;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / sq2s);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / sq2s);
    const logS0 = logT0 + (i * i - i) / twoS2 + logE0;
    const logS1 = logT1 + (j * j - j) / twoS2 + logE1;
    logA0 = logAddExp(logA0, logS0);
    logA1 = logAddExp(logA1, logS1);
    const total = logAddExp(logA0, logA1);
    if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) return total;
    lastS0 = logS0;
    lastS1 = logS1;
  }
  return Infinity;
}
