/**
 * A discretised privacy loss distribution (PLD): probability masses on the grid
 * {(lowerLoss + i)·interval} plus a mass at +∞, with composition (convolution), self-composition
 * and the (ε, δ) curve. The algorithms are dp_accounting's (pld_pmf.py, common.py); see its
 * supplementary note "Privacy Loss Distributions" and Koskela, Jälkö & Honkela 2020
 * (arXiv:1906.03049) for composition by FFT.
 *
 * δ(ε) = p_∞ + Σ_{ℓ > ε} (1 − e^{ε−ℓ}) p_ℓ   (hockey-stick divergence; dp_accounting Observation 1)
 * ε(δ) = the smallest ε ≥ 0 with δ(ε) ≤ δ.
 *
 * Invariant (pessimism): every operation moves mass only towards larger losses or to +∞ — the
 * left tail cut by truncation is added to the lowest kept loss, the right tail goes to +∞, and
 * self-composition adds its whole truncation budget to +∞ — so δ(ε) of the result is never
 * below that of the exact composition of the inputs.
 */
import { convolve, nextPowerOfTwo, selfConvolvePower } from './fft';

/** dp_accounting's default tail truncation for compose and selfCompose. */
export const DEFAULT_TAIL_MASS_TRUNCATION = 1e-15;

export interface PldPmf {
  readonly interval: number;
  /** Loss of probs[0] in units of `interval`. */
  readonly lowerLoss: number;
  readonly probs: Float64Array;
  readonly infinityMass: number;
}

export function identityPmf(interval: number): PldPmf {
  return { interval, lowerLoss: 0, probs: Float64Array.of(1), infinityMass: 0 };
}

/** Composition of two PMFs on the same grid, tails truncated pessimistically. */
export function composePmf(a: PldPmf, b: PldPmf, tailMassTruncation = DEFAULT_TAIL_MASS_TRUNCATION): PldPmf {
  if (a.interval !== b.interval) {
    throw new RangeError(`discretization intervals differ: ${a.interval} != ${b.interval}`);
  }
  const probs = convolve(a.probs, b.probs);
  const infinityMass = a.infinityMass + b.infinityMass - a.infinityMass * b.infinityMass;
  const t = truncateTails(probs, tailMassTruncation);
  return {
    interval: a.interval,
    lowerLoss: a.lowerLoss + b.lowerLoss + t.offset,
    probs: t.probs,
    infinityMass: infinityMass + t.rightMass,
  };
}

/**
 * Cuts the longest prefix and suffix of mass ≤ τ/2 each; the prefix mass is added to the first
 * kept entry (rounded up in loss) and the suffix mass is returned for +∞.
 */
function truncateTails(probs: Float64Array, tau: number): { offset: number; probs: Float64Array; rightMass: number } {
  if (tau === 0) return { offset: 0, probs, rightMass: 0 };
  const prefix = (from: number, dir: 1 | -1) => {
    let s = 0;
    let n = 0;
    for (let i = from; i >= 0 && i < probs.length; i += dir, n++) {
      s += probs[i];
      if (s > tau / 2) return n;
    }
    return probs.length;
  };
  const left = prefix(0, 1);
  const right = Math.max(probs.length - prefix(probs.length - 1, -1), left + 1);
  let leftMass = 0;
  for (let i = 0; i < left; i++) leftMass += probs[i];
  let rightMass = 0;
  for (let i = right; i < probs.length; i++) rightMass += probs[i];
  const kept = probs.slice(left, right);
  kept[0] += leftMass;
  return { offset: left, probs: kept, rightMass };
}

/**
 * Chernoff window [lower, upper] (indices into the `count`-fold convolution) outside which at
 * most τ of the mass lies: for each t, P(S ≥ b) ≤ e^{count·log M(t) − t·b} with M the moment
 * generating function of the index (dp_accounting common.compute_self_convolve_bounds, the same
 * 40 values of t).
 */
function selfConvolveBounds(probs: Float64Array, count: number, tau: number): [number, number] {
  const n = probs.length;
  let upper = (n - 1) * count;
  let lower = 0;
  if (tau === 0) return [lower, upper];
  let first = 0;
  while (first < n - 1 && !(probs[first] > 0)) first++;
  let last = n - 1;
  while (last > 0 && !(probs[last] > 0)) last--;
  for (let j = -20; j <= 20; j++) {
    if (j === 0) continue;
    const t = j / n;
    const max = t > 0 ? last * t : first * t; // the largest exponent, for a stable log-sum-exp
    let s = 0;
    for (let i = first; i <= last; i++) if (probs[i] > 0) s += probs[i] * Math.exp(i * t - max);
    const logMgf = max + Math.log(s);
    const bound = (count * logMgf + Math.log(2 / tau)) / t;
    if (!Number.isFinite(bound)) continue;
    if (t > 0) upper = Math.min(upper, Math.ceil(bound));
    else lower = Math.max(lower, Math.floor(bound));
  }
  return [lower, upper];
}

/**
 * The `count`-fold composition of `pmf` with itself. The result is computed on the Chernoff
 * window only, via one FFT pair (the DFT raised to the power `count`); mass outside the window,
 * at most τ, is aliased inside and τ is added to +∞ so the result stays pessimistic.
 */
export function selfComposePmf(pmf: PldPmf, count: number, tailMassTruncation = DEFAULT_TAIL_MASS_TRUNCATION): PldPmf {
  if (!(Number.isSafeInteger(count) && count >= 1)) throw new RangeError(`count must be an integer >= 1; got ${count}`);
  if (count === 1) return pmf;
  const [lower, upper] = selfConvolveBounds(pmf.probs, count, tailMassTruncation);
  const outLen = upper - lower + 1;
  const size = nextPowerOfTwo(Math.max(outLen, pmf.probs.length));
  const cyclic = selfConvolvePower(pmf.probs, count, size);
  const probs = new Float64Array(outLen);
  for (let i = 0; i < outLen; i++) {
    // Rounding in the transform leaves ~1e-17 noise of either sign; a probability is ≥ 0.
    probs[i] = Math.max(0, cyclic[(i + lower) % size]);
  }
  const infinityMass = tailMassTruncation - Math.expm1(count * Math.log1p(-pmf.infinityMass));
  return { interval: pmf.interval, lowerLoss: pmf.lowerLoss * count + lower, probs, infinityMass };
}

/** δ(ε): the ε-hockey-stick divergence of the PLD. */
export function deltaForEpsilon(pmf: PldPmf, epsilon: number): number {
  let delta = pmf.infinityMass;
  for (let i = pmf.probs.length - 1; i >= 0; i--) {
    const loss = (pmf.lowerLoss + i) * pmf.interval;
    if (loss <= epsilon) break;
    delta += -Math.expm1(epsilon - loss) * pmf.probs[i];
  }
  return delta;
}

/** ε(δ): the smallest ε ≥ 0 with δ(ε) ≤ δ (+∞ if the mass at +∞ alone exceeds δ). */
export function epsilonForDelta(pmf: PldPmf, delta: number): number {
  if (pmf.infinityMass > delta) return Infinity;
  let massUpper = pmf.infinityMass;
  let massLower = 0;
  for (let i = pmf.probs.length - 1; i >= 0; i--) {
    const loss = (pmf.lowerLoss + i) * pmf.interval;
    if (massUpper > delta && massLower > 0 && Math.log((massUpper - delta) / massLower) >= loss) break;
    massUpper += pmf.probs[i];
    massLower += Math.exp(-loss) * pmf.probs[i];
    if (massUpper >= delta && massLower === 0) return Math.max(0, loss);
  }
  if (massUpper <= massLower + delta) return 0;
  return Math.log((massUpper - delta) / massLower);
}
