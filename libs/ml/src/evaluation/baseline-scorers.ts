/**
 * The two baselines every recommender must beat under leave-last-order-out:
 *
 *  - popularity: an item's count in the training data, the same for every user;
 *  - repeat: the user's own purchase count of the item in the context, ties broken by popularity,
 *    so the items the user bought most come first, then everything else by popularity.
 *
 * Training counts come from `itemPopularity`, which reads every user's orders except the last, so
 * no held-out order leaks into a baseline. (A user with a single order contributes nothing: that
 * order is their last. This is stricter than needed, since such users are not evaluated, but it
 * keeps "training data" one simple rule.)
 *
 * Invariant of repeatScorer: a larger own count always scores strictly higher, whatever the
 * popularity, for own counts below 2^22 (see repeatScorer for why Float32 needs that bound).
 */
import { checkHistory, checkItemCount, type PurchaseHistory, type Scorer } from './purchase-history';

/** Occurrences of each item over every user's orders except the last (an item twice in an order counts twice). */
export function itemPopularity(histories: readonly PurchaseHistory[], itemCount: number): Float64Array {
  checkItemCount(itemCount);
  const counts = new Float64Array(itemCount);
  histories.forEach((history, u) => {
    checkHistory(history, itemCount, `histories[${u}]`);
    for (let o = 0; o < history.orders.length - 1; o++) {
      const order = history.orders[o];
      for (let j = 0; j < order.length; j++) counts[order[j]] += 1;
    }
  });
  return counts;
}

function checkCounts(counts: Float64Array, name: string): void {
  if (!(counts instanceof Float64Array) || counts.length === 0) throw new RangeError(`${name} must be a non-empty Float64Array, one count per item`);
  for (let i = 0; i < counts.length; i++) {
    if (!Number.isFinite(counts[i]) || counts[i] < 0) throw new RangeError(`${name}[${i}] must be a finite count >= 0; got ${counts[i]}`);
  }
}

function checkCandidate(item: number, position: number, itemCount: number, name: string): void {
  if (item < 0 || item >= itemCount) throw new RangeError(`candidates[${position}] is item ${item}, outside the ${itemCount} items of ${name}`);
}

/**
 * Scores every candidate by its training count. Float32 scores hold counts exactly up to 2^24;
 * above that, nearby counts may tie.
 */
export function popularityScorer(counts: Float64Array): Scorer {
  checkCounts(counts, 'counts');
  return (_context, candidates) => {
    const scores = new Float32Array(candidates.length);
    for (let p = 0; p < candidates.length; p++) {
      checkCandidate(candidates[p], p, counts.length, 'counts');
      scores[p] = counts[candidates[p]];
    }
    return scores;
  };
}

/**
 * Scores a candidate by own + popularity / (2 · (1 + maxPopularity)), own being the user's count of
 * it over the context orders. The popularity term lies in [0, 0.5), not [0, 1): rounding to
 * Float32 could carry own + 0.999… up to own + 1 and tie it with a larger own count, but never
 * own + 0.49… while Float32 resolves halves (own < 2^22). Popularity tie-breaking is only as
 * fine as Float32 allows at that magnitude (about 2^-24 · own relative to 1 + maxPopularity).
 */
export function repeatScorer(popularity: Float64Array): Scorer {
  checkCounts(popularity, 'popularity');
  let max = 0;
  for (let i = 0; i < popularity.length; i++) max = Math.max(max, popularity[i]);
  const scale = 1 / (2 * (1 + max));
  return (context, candidates) => {
    const own = new Map<number, number>();
    for (const order of context) for (let j = 0; j < order.length; j++) own.set(order[j], (own.get(order[j]) ?? 0) + 1);
    const scores = new Float32Array(candidates.length);
    for (let p = 0; p < candidates.length; p++) {
      const item = candidates[p];
      checkCandidate(item, p, popularity.length, 'popularity');
      scores[p] = (own.get(item) ?? 0) + popularity[item] * scale;
    }
    return scores;
  };
}
