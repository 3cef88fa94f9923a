/**
 * Small vector helpers shared by devices and servers: L2 norm, clipping to an L2 ball, softmax
 * and top-k.
 *
 * Invariant: `clipToNorm` never returns a vector of norm above C (up to float rounding, which it
 * absorbs with a margin of 1e-6 relative).
 */

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    total += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

export function l2Norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return Math.sqrt(sum);
}

/**
 * Scales `vector` down to norm `clipNorm` when it is longer (McMahan et al. 2018, Alg. 1): the
 * per-user sensitivity the DP accountant assumes. A vector with a NaN or infinite entry has no
 * meaningful norm and is refused.
 */
export function clipToNorm(vector: Float32Array, clipNorm: number): Float32Array {
  if (!(clipNorm > 0)) throw new RangeError(`clipNorm must be positive, got ${clipNorm}`);
  const norm = l2Norm(vector);
  if (!Number.isFinite(norm)) throw new RangeError('the vector has a NaN or infinite entry; it cannot be clipped');
  if (norm <= clipNorm) return vector;
  // Float32 rounding can push the scaled norm a hair over C; shrink by one ulp's worth of margin.
  const scale = (clipNorm / norm) * (1 - 1e-6);
  return vector.map((value) => value * scale);
}

/** Top-k items by score, excluding some, ties broken by index for determinism. */
export function topK(scores: ArrayLike<number>, k: number, exclude: ReadonlySet<number> = new Set()): Array<{ index: number; score: number }> {
  const ranked: Array<{ index: number; score: number }> = [];
  for (let i = 0; i < scores.length; i++) if (!exclude.has(i)) ranked.push({ index: i, score: scores[i]! });
  ranked.sort((a, b) => b.score - a.score || a.index - b.index);
  return ranked.slice(0, k);
}
