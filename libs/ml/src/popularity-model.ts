/**
 * The placeholder federated model: softmax logits over the catalog, one per item. It is small
 * but really trained: each device takes gradient steps of the cross-entropy between its own item
 * distribution and softmax(logits), clips the resulting delta to L2 norm C (the DP-FedAvg
 * contract: every user's contribution has norm ≤ C), and the server adds the noised mean delta.
 * Later issues replace it with the item projection + user tower; the round flow stays the same.
 *
 * Invariant: `clipToNorm` never returns a vector of norm above C (up to float rounding).
 */

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] - max);
    total += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

export function l2Norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  return Math.sqrt(sum);
}

/** Scales `vector` down to norm `clipNorm` when it is longer (McMahan et al. 2018, Alg. 1). */
export function clipToNorm(vector: Float32Array, clipNorm: number): Float32Array {
  if (!(clipNorm > 0)) throw new RangeError(`clipNorm must be positive, got ${clipNorm}`);
  const norm = l2Norm(vector);
  if (norm <= clipNorm) return vector;
  // Float32 rounding can push the scaled norm a hair over C; shrink by one ulp's worth of margin.
  const scale = (clipNorm / norm) * (1 - 1e-6);
  return vector.map((value) => value * scale);
}

export interface LocalTrainingOptions {
  readonly learningRate: number;
  readonly epochs: number;
  readonly clipNorm: number;
}

/**
 * One device's update: `epochs` full-batch gradient steps on the cross-entropy between the
 * device's empirical item distribution and softmax(logits), returned as the clipped delta.
 */
export function trainLocally(globalLogits: ArrayLike<number>, itemCounts: ArrayLike<number>, options: LocalTrainingOptions): Float32Array {
  if (globalLogits.length !== itemCounts.length) {
    throw new RangeError(`itemCounts has ${itemCounts.length} entries; the model has ${globalLogits.length}`);
  }
  let total = 0;
  for (let i = 0; i < itemCounts.length; i++) total += itemCounts[i];
  const local = Float64Array.from(globalLogits);
  if (total > 0) {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const predicted = softmax(local);
      // d/dlogits of −Σ p_i log softmax_i  =  softmax − p
      for (let i = 0; i < local.length; i++) local[i] -= options.learningRate * (predicted[i] - itemCounts[i] / total);
    }
  }
  const delta = new Float32Array(local.length);
  for (let i = 0; i < local.length; i++) delta[i] = local[i] - globalLogits[i];
  return clipToNorm(delta, options.clipNorm);
}

/**
 * Server step of DP-FedAvg with a fixed denominator: logits + serverLr · noisedSum / expected
 * cohort size (dividing by the expected, not the realised, size keeps the sensitivity C / qN).
 */
export function applyFederatedAverage(logits: ArrayLike<number>, noisedSum: ArrayLike<number>, expectedCohortSize: number, serverLearningRate = 1): number[] {
  if (logits.length !== noisedSum.length) throw new RangeError(`sum has ${noisedSum.length} entries; the model has ${logits.length}`);
  if (!(expectedCohortSize > 0)) throw new RangeError(`expectedCohortSize must be positive, got ${expectedCohortSize}`);
  const out = new Array<number>(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] + (serverLearningRate * noisedSum[i]) / expectedCohortSize;
  return out;
}

/** Top-k items by score, excluding some, ties broken by index for determinism. */
export function topK(scores: ArrayLike<number>, k: number, exclude: ReadonlySet<number> = new Set()): Array<{ index: number; score: number }> {
  const ranked: Array<{ index: number; score: number }> = [];
  for (let i = 0; i < scores.length; i++) if (!exclude.has(i)) ranked.push({ index: i, score: scores[i] });
  ranked.sort((a, b) => b.score - a.score || a.index - b.index);
  return ranked.slice(0, k);
}
