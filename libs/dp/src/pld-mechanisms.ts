/**
 * Privacy loss distributions of the Gaussian and Laplace mechanisms, optionally Poisson-
 * subsampled, discretised pessimistically by Connect-the-Dots (Doroshenko, Ghazi, Kamath, Kumar &
 * Manurangsi 2022, arXiv:2207.04380, Algorithm 1, fixed-gap form) — dp_accounting's default.
 *
 * For additive noise μ, sensitivity 1 and sampling rate q (add/remove relation; dp_accounting
 * privacy_loss_mechanism.AdditiveNoisePrivacyLoss):
 *   REMOVE: μ_upper = (1−q)μ(x) + qμ(x+1), μ_lower = μ(x);
 *   ADD:    μ_upper = μ(x),               μ_lower = (1−q)μ(x) + qμ(x−1);
 * the loss ℓ(x) = log(μ_upper/μ_lower) is non-increasing in x, so the mechanism's hockey-stick
 * divergence at ε is δ(ε) = μ_upper_cdf(x_ε) − e^ε μ_lower_cdf(x_ε) with x_ε = ℓ^{-1}(ε).
 * Connect-the-Dots puts, on the grid ε_i = i·h between the losses at the truncation points,
 * the masses that reproduce δ(ε_i) exactly and dominate δ in between (Thm 3.4 of the paper).
 *
 * Invariant: the discretised PLD's δ(ε) is ≥ the mechanism's for every ε (pessimistic); the
 * Gaussian's truncated left tail (mass ≤ e^{−50}) goes to +∞.
 */
import { type PldPmf } from './pld-pmf';
import { logAddExp, logNormalCdf, logSubExp, normalCdf, normalQuantile } from './special-functions';

type Adjacency = 'add' | 'remove';

/** dp_accounting's log_mass_truncation_bound for the Gaussian. */
const LOG_MASS_TRUNCATION_BOUND = -50;

interface NoiseModel {
  /** Loss without subsampling for REMOVE, ℓ₀(x) = log(μ(x+1)/μ(x)), non-increasing in x. */
  lossRemove(x: number): number;
  /** The largest x with ℓ₀(x) ≥ loss (±∞ allowed). */
  inverseLossRemove(loss: number): number;
  cdf(x: number): number;
  logCdf(x: number): number;
  /** [lower, upper] x truncation and the ε range for Connect-the-Dots. */
  epsilonRange(q: number, adjacency: Adjacency, loss: (x: number) => number): [number, number];
}

function gaussianNoise(sigma: number): NoiseModel {
  const s2 = sigma * sigma;
  return {
    lossRemove: (x) => (-0.5 - x) / s2,
    inverseLossRemove: (loss) => -0.5 - loss * s2,
    cdf: (x) => normalCdf(x / sigma),
    logCdf: (x) => logNormalCdf(x / sigma),
    epsilonRange: (_q, adjacency, loss) => {
      let lower = sigma * normalQuantile(0.5 * Math.exp(LOG_MASS_TRUNCATION_BOUND));
      let upper = -lower;
      if (adjacency === 'add') upper += 1;
      else lower -= 1;
      return [loss(upper), loss(lower)];
    },
  };
}

function laplaceNoise(b: number): NoiseModel {
  return {
    lossRemove: (x) => (Math.abs(x) - Math.abs(x + 1)) / b,
    inverseLossRemove: (loss) => {
      const threshold = loss * b;
      if (threshold > 1) return -Infinity;
      if (threshold <= -1) return Infinity;
      return 0.5 * (-1 - threshold);
    },
    cdf: (x) => (x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b)),
    logCdf: (x) => (x < 0 ? Math.log(0.5) + x / b : Math.log1p(-0.5 * Math.exp(-x / b))),
    epsilonRange: (q, adjacency) => {
      const max = 1 / b;
      if (q === 1) return [-max, max];
      const up = Math.log1p(q * Math.expm1(max));
      const down = Math.log1p(q * Math.expm1(-max));
      return adjacency === 'add' ? [-up, -down] : [down, up];
    },
  };
}

const isClose = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/** The subsampled privacy loss, its inverse and the mechanism's δ(ε) for one adjacency. */
function subsampledLoss(noise: NoiseModel, q: number, adjacency: Adjacency) {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  // log(1 − q + q e^ℓ₀)
  const lossRemove = (x: number) => {
    const l0 = noise.lossRemove(x);
    return q === 1 ? l0 : logAddExp(logQ + l0, log1mQ);
  };
  const loss = adjacency === 'remove' ? lossRemove : (x: number) => -lossRemove(-x);

  const inverse = (eps: number): number => {
    if (adjacency === 'remove') {
      if (q === 1) return noise.inverseLossRemove(eps);
      if (isClose(eps, log1mQ)) return noise.inverseLossRemove(-Infinity);
      // ℓ₀ = log((e^ε − (1 − q))/q)
      return noise.inverseLossRemove(logSubExp(eps, log1mQ) - logQ);
    }
    // ADD: x with −ℓ_remove(−x) = ε, i.e. 1 + inverse without subsampling of ℓ₀ = −log((e^{−ε} − (1−q))/q).
    if (q === 1) return 1 + noise.inverseLossRemove(eps);
    if (isClose(eps, -log1mQ)) return 1 + noise.inverseLossRemove(Infinity);
    return 1 + noise.inverseLossRemove(-(logSubExp(-eps, log1mQ) - logQ));
  };

  const upperCdf = (x: number) =>
    adjacency === 'add' ? noise.cdf(x) : q === 1 ? noise.cdf(x + 1) : (1 - q) * noise.cdf(x) + q * noise.cdf(x + 1);
  const lowerLogCdf = (x: number) => {
    if (adjacency === 'remove') return noise.logCdf(x);
    return q === 1 ? noise.logCdf(x - 1) : logAddExp(log1mQ + noise.logCdf(x), logQ + noise.logCdf(x - 1));
  };

  const deltaForEpsilon = (eps: number): number => {
    let d: number;
    if (q < 1 && adjacency === 'add' && eps >= -log1mQ) d = 0;
    else if (q < 1 && adjacency === 'remove' && eps <= log1mQ) d = -Math.expm1(eps);
    else {
      const x = inverse(eps);
      d = upperCdf(x) - Math.exp(eps + lowerLogCdf(x));
    }
    return Math.min(1, Math.max(0, d));
  };
  return { loss, deltaForEpsilon };
}

/** Connect-the-Dots PMF on the contiguous grid lower…upper (in units of h); dp_accounting's fixed-gap form. */
function connectTheDots(noise: NoiseModel, q: number, adjacency: Adjacency, interval: number): PldPmf {
  const { loss, deltaForEpsilon } = subsampledLoss(noise, q, adjacency);
  const [epsLow, epsHigh] = noise.epsilonRange(q, adjacency, loss);
  const lower = Math.floor(epsLow / interval);
  const upper = Math.ceil(epsHigh / interval);
  const n = upper - lower + 1;
  const deltas = new Float64Array(n);
  for (let i = 0; i < n; i++) deltas[i] = deltaForEpsilon((lower + i) * interval);
  // δ is non-increasing in ε; enforce it against rounding (dp_accounting: minimum.accumulate).
  for (let i = 1; i < n; i++) if (deltas[i] > deltas[i - 1]) deltas[i] = deltas[i - 1];
  if (n === 1) return { interval, lowerLoss: lower, probs: Float64Array.of(1 - deltas[0]), infinityMass: deltas[0] };
  const em1 = Math.expm1(interval);
  const e = Math.exp(interval);
  const probs = new Float64Array(n);
  // p_1 = 1 − δ_1 + (δ_2 − δ_1)/(e^h − 1); p_i = ((δ_{i+1} − δ_i) − e^h (δ_i − δ_{i−1}))/(e^h − 1);
  // p_n = (δ_n − δ_{n−1})/(e^{−h} − 1); all clipped at 0 (paper, Algorithm 1).
  probs[0] = 1 - deltas[0] + (deltas[1] - deltas[0]) / em1;
  for (let i = 1; i < n - 1; i++) probs[i] = (deltas[i + 1] - deltas[i] - (deltas[i] - deltas[i - 1]) * e) / em1;
  probs[n - 1] = (deltas[n - 1] - deltas[n - 2]) / Math.expm1(-interval);
  for (let i = 0; i < n; i++) if (!(probs[i] > 0)) probs[i] = 0;
  return { interval, lowerLoss: lower, probs, infinityMass: deltas[n - 1] };
}

/** The PLD of one mechanism run: `remove` and, when q < 1, the distinct `add` distribution. */
export interface MechanismPld {
  readonly remove: PldPmf;
  readonly add: PldPmf | null;
}

export function gaussianPld(noiseMultiplier: number, samplingRate: number, interval: number): MechanismPld {
  const noise = gaussianNoise(noiseMultiplier);
  return {
    remove: connectTheDots(noise, samplingRate, 'remove', interval),
    add: samplingRate === 1 ? null : connectTheDots(noise, samplingRate, 'add', interval),
  };
}

export function laplacePld(noiseMultiplier: number, samplingRate: number, interval: number): MechanismPld {
  const noise = laplaceNoise(noiseMultiplier);
  return {
    remove: connectTheDots(noise, samplingRate, 'remove', interval),
    add: samplingRate === 1 ? null : connectTheDots(noise, samplingRate, 'add', interval),
  };
}
