/**
 * Seeded randomness for data splits and synthetic populations — simulation only, never
 * cryptography. Every stream is derived from (seed, stream index) so that, for example, user u of
 * a synthetic population is the same whatever the population size and can be generated alone.
 *
 * Samplers: Box–Muller normals; Gamma by Marsaglia & Tsang, "A simple method for generating gamma
 * variables", ACM TOMS 26(3), 2000 (with the U^(1/a) boost for shape a < 1, their section 6);
 * Dirichlet as normalised Gammas.
 */
import { seededRandom } from '@cohort/ml';
import { check } from './catalog-data-error';

export type Uniform = () => number;

/** A 32-bit seed for stream `stream` of `seed` (the murmur3 finaliser over both words). */
export function mixSeed(seed: number, stream: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((stream >>> 0) + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform [0, 1) source for stream `stream` of `seed`. */
export function seededStream(seed: number, stream = 0): Uniform {
  check(Number.isInteger(seed), 'seed', 'an integer', seed);
  return seededRandom(mixSeed(seed, stream));
}

/** Fisher–Yates shuffle of [0, n) with `random`. */
export function seededPermutation(n: number, random: Uniform): Uint32Array {
  check(Number.isInteger(n) && n >= 0, 'n', 'an integer >= 0', n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export function standardNormal(random: Uniform): number {
  const u = 1 - random(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function gamma(shape: number, random: Uniform): number {
  check(Number.isFinite(shape) && shape > 0, 'shape', 'a finite number > 0', shape);
  if (shape < 1) return gamma(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Writes a Dirichlet(alpha) draw into `out` (same length as alpha). */
export function dirichletInto(alpha: ArrayLike<number>, random: Uniform, out: Float64Array): Float64Array {
  check(out.length === alpha.length, 'out', `of length ${alpha.length}`, out.length);
  let total = 0;
  for (let i = 0; i < alpha.length; i++) {
    out[i] = gamma(alpha[i], random);
    total += out[i];
  }
  if (!(total > 0)) {
    // Every component underflowed (only with tiny concentrations): fall back to the mean.
    let a = 0;
    for (let i = 0; i < alpha.length; i++) a += alpha[i];
    for (let i = 0; i < alpha.length; i++) out[i] = alpha[i] / a;
    return out;
  }
  for (let i = 0; i < alpha.length; i++) out[i] /= total;
  return out;
}

/** Index i with probability weights[i] / total, by a linear scan (short weight vectors). */
export function sampleLinear(weights: ArrayLike<number>, total: number, random: Uniform): number {
  let target = random() * total;
  const last = weights.length - 1;
  for (let i = 0; i < last; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return last;
}

/** Index i in [from, to) with probability proportional to cumulative[i] − cumulative[i − 1]. */
export function sampleCumulative(cumulative: Float64Array, from: number, to: number, random: Uniform): number {
  const base = from === 0 ? 0 : cumulative[from - 1];
  const target = base + random() * (cumulative[to - 1] - base);
  let lo = from;
  let hi = to - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
