/**
 * Fixed-point encoding of a clipped real vector into words mod 2^b, and back.
 *
 * encode: x ↦ clamp(x, −c, c)·s, stochastically rounded to an integer q (⌊v⌋ + 1 with probability
 * v − ⌊v⌋), stored as q mod 2^b (two's complement). Stochastic rounding makes E[q] = x·s, so
 * the decoded sum is an unbiased estimate of the clipped sum (Gupta et al., "Deep Learning with
 * Limited Numerical Precision", ICML 2015; used for SecAgg by Kairouz et al., "The Distributed
 * Discrete Gaussian Mechanism", ICML 2021, §4).
 * decode: a word w mod 2^b is read as the signed integer in [−2^(b−1), 2^(b−1)) and divided by s.
 * For a power-of-two scale the division is exact in IEEE doubles; for any scale it is a single
 * correctly rounded division of an exact integer.
 *
 * Invariant: |q| ≤ ⌈c·s⌉ for every coordinate, which with the wrap check of params.ts means the sum
 * over at most n clients is recovered exactly. Randomness is a parameter (a function returning
 * uniform numbers in [0, 1)), so tests are reproducible and the caller chooses the source.
 */
import { modulusMask, type SecAggParams } from './params';
import { SecAggError, SecAggErrorCode, requireParameter } from './secagg-error';

export type UniformSource = () => number;

/** Modulus 2^32: the widest the word arithmetic allows, so the quantization scale can be fine. */
export const SECAGG_MODULUS_BITS = 32;
/** Finest quantization step used, 2^-24 of a unit: finer buys nothing over float32 updates. */
const MAX_SCALE = 2 ** 24;

/**
 * The largest power-of-two scale s ≤ 2^24 with N·⌈c·s⌉ < 2^(b−1), so the sum of a cohort of N
 * quantized updates (clipped to norm C, hence every coordinate to [−C, C]) never wraps mod 2^b.
 * The aggregator and the utility simulation both quantize at this scale.
 */
export function quantizationScale(cohortSize: number, clipNorm: number, modulusBits = SECAGG_MODULUS_BITS): number {
  let scale = MAX_SCALE;
  while (scale > 2 ** -30 && cohortSize * Math.ceil(clipNorm * scale) >= 2 ** (modulusBits - 1)) scale /= 2;
  return scale;
}

type QuantizationParams = Pick<SecAggParams, 'clipRange' | 'scale' | 'modulusBits' | 'dimension'>;

export function quantize(values: ArrayLike<number>, params: QuantizationParams, random: UniformSource): Uint32Array {
  if (values.length !== params.dimension) {
    throw new SecAggError(SecAggErrorCode.WrongVectorLength, `input has ${values.length} values, expected dimension ${params.dimension}`);
  }
  const { clipRange: c, scale: s } = params;
  const mask = modulusMask(params.modulusBits);
  const out = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    requireParameter(!Number.isNaN(x), `values[${i}]`, 'must not be NaN', x);
    const v = (x > c ? c : x < -c ? -c : x) * s;
    const floor = Math.floor(v);
    const u = random();
    const q = floor + (u < v - floor ? 1 : 0);
    out[i] = (q & mask) >>> 0;
  }
  return out;
}

/** Reads words mod 2^b as signed integers (no scaling). */
export function toSigned(words: Uint32Array, modulusBits: number): Float64Array {
  const modulus = 2 ** modulusBits;
  const half = modulus / 2;
  const out = new Float64Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    out[i] = w >= half ? w - modulus : w;
  }
  return out;
}

/** Decodes a (summed) vector mod 2^b into reals: signed integer / scale. */
export function dequantize(words: Uint32Array, params: Pick<SecAggParams, 'scale' | 'modulusBits'>): Float64Array {
  const signed = toSigned(words, params.modulusBits);
  for (let i = 0; i < signed.length; i++) signed[i] = signed[i]! / params.scale;
  return signed;
}
