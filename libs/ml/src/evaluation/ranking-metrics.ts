/**
 * Per-user ranking metrics for one held-out order, as plain functions of scores.
 *
 *  - Sampled: the 0-based rank of one positive among sampled negatives, ties pessimistic (the
 *    positive ranks below every negative with an equal score, so a constant scorer earns nothing).
 *    HR@k = [rank < k]; NDCG@k = 1 / log2(rank + 2) when rank < k, else 0 — the leave-one-out
 *    protocol of He et al., "Neural Collaborative Filtering", WWW 2017, section 4.1.
 *  - Full catalog: the top k items by score (ties by lower item index), Recall@k = hits / |relevant|
 *    and NDCG@k with binary relevance, DCG = Σ_{p < k, top[p] relevant} 1 / log2(p + 2), normalised
 *    by the ideal DCG over min(|relevant|, k) positions (Järvelin & Kekäläinen, "Cumulated
 *    gain-based evaluation of IR techniques", ACM TOIS 20(4), 2002, section 2).
 *
 * Invariant: every metric lies in [0, 1] and depends only on the scores, not on the order in
 * which tied candidates were passed (sampled) or on anything but the item index (full catalog).
 */

/** 0-based rank of a positive with `positiveScore`: the number of negatives scoring at least as high. */
export function pessimisticRank(positiveScore: number, negativeScores: ArrayLike<number>): number {
  let rank = 0;
  for (let i = 0; i < negativeScores.length; i++) if (negativeScores[i] >= positiveScore) rank++;
  return rank;
}

/** HR@k of a 0-based rank: 1 when the positive is among the first k, else 0. */
export function hitAt(rank: number, k: number): number {
  return rank < k ? 1 : 0;
}

/** NDCG@k of a single positive at 0-based `rank` (its ideal DCG is 1). */
export function ndcgOfRank(rank: number, k: number): number {
  return rank < k ? 1 / Math.log2(rank + 2) : 0;
}

/**
 * The item indices of the `k` highest scores, best first, ties broken by lower index (all items
 * when fewer than k). Scores must not be NaN. One pass with a sorted buffer of k: O(n · k).
 */
export function topKItems(scores: ArrayLike<number>, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer; got ${k}`);
  const size = Math.min(k, scores.length);
  const items = new Int32Array(size);
  const best = new Float64Array(size);
  let filled = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    // Items arrive in index order, so a later item never passes an equal earlier one.
    if (filled === size && s <= best[size - 1]) continue;
    let at = filled < size ? filled++ : size - 1;
    while (at > 0 && best[at - 1] < s) {
      best[at] = best[at - 1];
      items[at] = items[at - 1];
      at--;
    }
    best[at] = s;
    items[at] = i;
  }
  return items;
}

/** |top ∩ relevant| / |relevant|; `relevant` must be non-empty. */
export function recallOf(top: ArrayLike<number>, relevant: ReadonlySet<number>): number {
  if (relevant.size === 0) throw new RangeError('relevant must hold at least one item');
  let hits = 0;
  for (let p = 0; p < top.length; p++) if (relevant.has(top[p])) hits++;
  return hits / relevant.size;
}

/** Binary-relevance NDCG of a ranked list cut at `k`, ideal DCG over min(|relevant|, k) positions. */
export function ndcgOf(top: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) throw new RangeError('relevant must hold at least one item');
  let dcg = 0;
  for (let p = 0; p < Math.min(top.length, k); p++) if (relevant.has(top[p])) dcg += 1 / Math.log2(p + 2);
  let ideal = 0;
  for (let p = 0; p < Math.min(relevant.size, k); p++) ideal += 1 / Math.log2(p + 2);
  return dcg / ideal;
}
