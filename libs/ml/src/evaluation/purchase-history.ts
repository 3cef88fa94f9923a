/**
 * The inputs of offline purchase evaluation: a shopper's orders in time order, and a scorer that
 * rates candidate items given the orders it may see. The checks here run before any metric is
 * computed, so a metric is never computed from an item outside the catalog or from a scorer
 * output that is not one finite-or-infinite number per candidate.
 *
 * Invariant: every error is a RangeError whose message names the offending argument and index.
 */

/** One shopper's purchases in time order; each order lists item indices into the catalog (0..itemCount-1). */
export interface PurchaseHistory {
  readonly orders: readonly Int32Array[];
}

/**
 * Scores for candidate items given the user's context orders (higher is better): one score per
 * candidate, in the candidates' order. A scorer must not modify its arguments; it may return any
 * number but NaN (±Infinity ranks as expected).
 */
export type Scorer = (context: readonly Int32Array[], candidates: Int32Array) => Float32Array;

/** Item indices are Int32, so a catalog holds at most 2^31 − 1 items. */
const MAX_ITEM_COUNT = 0x7fffffff;

export function checkItemCount(itemCount: number, name = 'itemCount'): void {
  if (!Number.isInteger(itemCount) || itemCount < 1 || itemCount > MAX_ITEM_COUNT) {
    throw new RangeError(`${name} must be a positive integer below 2^31; got ${itemCount}`);
  }
}

/**
 * Throws unless every order of `history` is non-empty and lists items in [0, itemCount).
 * Empty orders are refused rather than skipped: an empty last order has no item to hold out, and
 * which order is "last" must not depend on a silent repair.
 */
export function checkHistory(history: PurchaseHistory, itemCount: number, name = 'history'): void {
  const orders = history?.orders;
  if (!Array.isArray(orders)) throw new RangeError(`${name}.orders must be an array of Int32Array orders; got ${String(orders)}`);
  for (let o = 0; o < orders.length; o++) {
    const order = orders[o];
    if (!(order instanceof Int32Array)) throw new RangeError(`${name}.orders[${o}] must be an Int32Array; got ${String(order)}`);
    if (order.length === 0) throw new RangeError(`${name}.orders[${o}] is empty; drop empty orders before evaluation`);
    for (let j = 0; j < order.length; j++) {
      const item = order[j];
      if (item < 0 || item >= itemCount) {
        throw new RangeError(`${name}.orders[${o}][${j}] is item ${item}, outside the catalog [0, ${itemCount})`);
      }
    }
  }
}

/** Calls `scorer` and throws unless it returned one non-NaN score per candidate. */
export function scoreCandidates(scorer: Scorer, context: readonly Int32Array[], candidates: Int32Array, name = 'scorer'): Float32Array {
  const scores = scorer(context, candidates);
  if (scores === null || typeof scores !== 'object' || scores.length !== candidates.length) {
    throw new RangeError(`${name} returned ${scores?.length ?? String(scores)} scores for ${candidates.length} candidates; it must return one per candidate`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`${name} returned NaN for candidate ${i} (item ${candidates[i]})`);
  }
  return scores;
}
