/**
 * RDP of the Laplace mechanism and of the Gaussian mechanism on a fixed-size sample drawn
 * without replacement, as dp_accounting computes them.
 *
 * - Laplace with scale b (ε₀ = 1/b): Mironov 2017 (arXiv:1702.07476), Prop. 6,
 *   RDP(α) = ε₀ + log(1 + (α − 1)(e^{(1−2α)ε₀} − 1)/(2α − 1)) / (α − 1), exact for the mechanism.
 * - Sampling without replacement (fixed cohort of m out of n, q = m/n, replace-one relation):
 *   Wang, Balle & Kasiviswanathan 2019 (arXiv:1808.00087), Thm 27 with the Gaussian's
 *   forward differences (Thm 27's exact form up to α = 256, its Stirling-free simplification
 *   above), and Cor. 10's linear interpolation of the CGF between integer orders.
 *
 * Invariant: every value is the upper bound the paper proves; nothing here is approximated from
 * below.
 */
import { logAbsBinomial, logAddExp } from './special-functions';

/** RDP of Laplace noise with noise multiplier b (L1 sensitivity 1) at each order. */
export function rdpLaplace(noiseMultiplier: number, orders: readonly number[]): Float64Array {
  const eps = 1 / noiseMultiplier;
  return Float64Array.from(orders, (a) => laplaceAtOrder(eps, a));
}

function laplaceAtOrder(eps: number, a: number): number {
  if (eps === Infinity) return Infinity;
  if (a === 1) return eps + Math.expm1(-eps);
  if (a < 1.1) {
    // log(1 + c·x)/x = c·Σ_{k≥1} (−c·x)^{k−1}/k with x = α − 1 small: a fast Taylor series.
    const c = Math.expm1(eps * (1 - 2 * a)) / (2 * a - 1);
    const v = -c * (a - 1);
    let s = 0;
    for (let k = 99; k >= 1; k--) s += v ** (k - 1) / k;
    return eps + c * s;
  }
  return eps + Math.log1p(((a - 1) * Math.expm1(eps * (1 - 2 * a))) / (2 * a - 1)) / (a - 1);
}

/** RDP of the Gaussian mechanism on a without-replacement sample of rate q = m/n at each order. */
export function rdpSampledWithoutReplacementGaussian(
  q: number,
  noiseMultiplier: number,
  orders: readonly number[],
): Float64Array {
  return Float64Array.from(orders, (a) => worAtOrder(q, noiseMultiplier, a));
}

function worAtOrder(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (alpha === Infinity || sigma === 0) return Infinity;
  if (Number.isInteger(alpha)) return worLogAInteger(q, sigma, alpha) / (alpha - 1);
  // WBK19 Cor. 10: the CGF (α − 1)·RDP(α) is convex in α, so interpolate it linearly.
  const lo = Math.floor(alpha);
  const hi = Math.ceil(alpha);
  const x = worLogAInteger(q, sigma, lo);
  const y = worLogAInteger(q, sigma, hi);
  const t = alpha - lo;
  return ((1 - t) * x + t * y) / (alpha - 1);
}

const MAX_EXACT_ALPHA = 256;

/** log A_α of WBK19 Thm 27 for integer α (the CGF at α − 1). */
function worLogAInteger(q: number, sigma: number, alpha: number): number {
  if (alpha === 1) return 0;
  const twoS2 = 2 * sigma * sigma;
  const cgf = (x: number) => (x * (x + 1)) / twoS2; // (α−1)·RDP_Gaussian(α) at α = x + 1
  const f2 = 2 / twoS2; // RDP of the Gaussian at order 2
  const logF2m1 = f2 + Math.log1p(-Math.exp(-f2));
  const logQ = Math.log(q);
  const first = 2 * logQ + logAbsBinomial(alpha, 2) + Math.min(Math.log(4) + logF2m1, f2 + Math.LN2);
  let logA = logAddExp(0, first);
  if (alpha <= MAX_EXACT_ALPHA) {
    const deltas = forwardDifferencesInLog(cgf, alpha);
    for (let i = 3; i <= alpha; i++) {
      const lo = deltas[2 * Math.floor(i / 2) - 1];
      const hi = deltas[2 * Math.ceil(i / 2) - 1];
      const s = Math.min(Math.log(4) + 0.5 * (lo + hi), Math.LN2 + cgf(i - 1));
      logA = logAddExp(logA, s + i * logQ + logAbsBinomial(alpha, i));
    }
  } else {
    for (let i = 3; i <= alpha; i++) {
      logA = logAddExp(logA, Math.LN2 + cgf(i - 1) + i * logQ + logAbsBinomial(alpha, i));
    }
  }
  return logA;
}

/**
 * log|Δ^i e^{fun}| at 0 for i = 0 … n+1, by repeated signed differences in log space
 * (WBK19 Thm 27 needs the forward differences of exp(CGF)); mirrors dp_accounting's
 * _get_forward_diffs including its leading zero entry.
 */
function forwardDifferencesInLog(fun: (x: number) => number, n: number): Float64Array {
  const vec = new Float64Array(n + 3);
  const positive = new Array<boolean>(n + 3).fill(true);
  for (let i = 1; i < n + 3; i++) vec[i] = fun(i - 1);
  const deltas = new Float64Array(n + 2);
  for (let i = 0; i < n + 2; i++) {
    const m = n + 2 - i;
    for (let j = 0; j < m; j++) {
      if (positive[j] === positive[j + 1]) {
        // |e^{v[j+1]} − e^{v[j]}| with the sign of the difference, flipped if both negative.
        const [sign, mag] = logSubSign(vec[j + 1], vec[j]);
        vec[j] = mag;
        positive[j] = positive[j + 1] ? sign : !sign;
      } else {
        vec[j] = logAddExp(vec[j], vec[j + 1]);
        positive[j] = positive[j + 1];
      }
    }
    deltas[i] = vec[0];
  }
  return deltas;
}

function logSubSign(logX: number, logY: number): [boolean, number] {
  if (logX > logY) return [true, logX + Math.log1p(-Math.exp(logY - logX))];
  if (logX < logY) return [false, logY + Math.log1p(-Math.exp(logX - logY))];
  return [true, -Infinity];
}
