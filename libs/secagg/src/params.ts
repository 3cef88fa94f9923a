/**
 * The parameters of one SecAgg+ session, validated in one place (Flower SecAgg+ style: every
 * parameter checked in the constructor, messages name the parameter).
 *
 * Invariants kept by `createSecAggParams`:
 *  - the Harary degree k is even with 2 ≤ k < n − 1, or k = n − 1 (the complete graph);
 *  - 2 ≤ t ≤ k ≤ 255 (shares live in GF(2^8), see shamir.ts);
 *  - 1 ≤ b ≤ 32 and the modulus 2^b can hold the sum of n clipped, quantized inputs without
 *    wrapping: n · ⌈c·s⌉ < 2^(b−1), so the signed sum decodes uniquely (quantize.ts);
 *  - the result is frozen: parameters never change within a session.
 */
import { chooseHararyParameters } from './harary-parameters';
import { requireParameter } from './secagg-error';

/** The most neighbours a client can share with: GF(2^8) Shamir has 255 non-zero x-coordinates. */
export const MAX_DEGREE = 255;
/** Upper bound on the vector length d (2^26 words = 256 MiB of masked input). */
export const MAX_DIMENSION = 1 << 26;

export interface SecAggParamsInput {
  /** Cohort (shard) size n: the clients the session starts with. */
  readonly clients: number;
  /** Vector length d. */
  readonly dimension: number;
  /** Modulus exponent b: arithmetic is mod 2^b, b ≤ 32, on Uint32Array words. */
  readonly modulusBits: number;
  /** Clipping range c: every coordinate is clamped to [−c, c] before quantization. */
  readonly clipRange: number;
  /** Quantization scale s: a coordinate x becomes the integer round(x·s) (stochastically). */
  readonly scale: number;
  /**
   * Either an explicit graph (`degree` and `threshold`) or the rates to choose it from
   * (`corruptFraction`, `dropoutFraction`, Bell et al. 2020 with σ = 40, η = 20).
   */
  readonly degree?: number;
  readonly threshold?: number;
  readonly corruptFraction?: number;
  readonly dropoutFraction?: number;
}

export interface SecAggParams {
  readonly clients: number;
  readonly dimension: number;
  readonly modulusBits: number;
  readonly clipRange: number;
  readonly scale: number;
  readonly degree: number;
  readonly threshold: number;
  /** Largest |quantized coordinate|: ⌈c·s⌉. */
  readonly quantizedBound: number;
}

export function createSecAggParams(input: SecAggParamsInput): SecAggParams {
  const { clients: n, dimension: d, modulusBits: b, clipRange: c, scale: s } = input;
  requireParameter(Number.isInteger(n) && n >= 3, 'clients', 'must be an integer ≥ 3', n);
  requireParameter(Number.isInteger(d) && d >= 1 && d <= MAX_DIMENSION, 'dimension', `must be an integer in [1, ${MAX_DIMENSION}]`, d);
  requireParameter(Number.isInteger(b) && b >= 1 && b <= 32, 'modulusBits', 'must be an integer in [1, 32]', b);
  requireParameter(Number.isFinite(c) && c > 0, 'clipRange', 'must be a finite number > 0', c);
  requireParameter(Number.isFinite(s) && s > 0, 'scale', 'must be a finite number > 0', s);

  let degree: number;
  let threshold: number;
  if (input.degree !== undefined || input.threshold !== undefined) {
    requireParameter(input.degree !== undefined && input.threshold !== undefined, 'degree/threshold', 'must be given together', `${input.degree}/${input.threshold}`);
    requireParameter(input.corruptFraction === undefined && input.dropoutFraction === undefined, 'corruptFraction/dropoutFraction', 'must be omitted when degree and threshold are given', `${input.corruptFraction}/${input.dropoutFraction}`);
    degree = input.degree;
    threshold = input.threshold;
  } else {
    requireParameter(input.corruptFraction !== undefined && input.dropoutFraction !== undefined, 'corruptFraction/dropoutFraction', 'must be given when degree and threshold are not', `${input.corruptFraction}/${input.dropoutFraction}`);
    const choice = chooseHararyParameters({ clients: n, corruptFraction: input.corruptFraction, dropoutFraction: input.dropoutFraction });
    degree = choice.degree;
    threshold = choice.threshold;
  }
  requireParameter(
    Number.isInteger(degree) && ((degree >= 2 && degree < n - 1 && degree % 2 === 0) || degree === n - 1),
    'degree',
    `must be even with 2 ≤ k < n − 1, or n − 1 (complete graph); n = ${n}`,
    degree,
  );
  requireParameter(degree <= MAX_DEGREE, 'degree', `must be ≤ ${MAX_DEGREE} (Shamir shares live in GF(2^8))`, degree);
  requireParameter(Number.isInteger(threshold) && threshold >= 2 && threshold <= degree, 'threshold', `must be an integer in [2, k = ${degree}]`, threshold);

  const quantizedBound = Math.ceil(c * s);
  requireParameter(Number.isSafeInteger(quantizedBound), 'clipRange·scale', 'must be below 2^53', c * s);
  // The signed sum of n inputs lies in [−nB, nB]; it decodes uniquely mod 2^b iff 2nB + 1 ≤ 2^b.
  requireParameter(
    n * quantizedBound < 2 ** (b - 1),
    'modulusBits',
    `is too small: the sum of n = ${n} inputs clipped to ±${c} at scale ${s} spans ±${n * quantizedBound}, which wraps mod 2^${b}; raise modulusBits or lower clipRange/scale/clients`,
    b,
  );
  return Object.freeze({ clients: n, dimension: d, modulusBits: b, clipRange: c, scale: s, degree, threshold, quantizedBound });
}

/** 2^b − 1 as an unsigned 32-bit mask (b = 32 gives 0xffffffff). */
export function modulusMask(bits: number): number {
  return bits === 32 ? 0xffffffff : (2 ** bits - 1) >>> 0;
}
