/**
 * What a device derives from its own purchase history before scoring: the distinct items bought,
 * their pooling weights (recency-weighted: an order k orders back weighs poolingDecay^k) and, per
 * item, the history features the score uses — log(1 + times bought), recency (recencyDecay^k for
 * an item last bought k orders back, 0 if never) and purchase rate (share of orders containing it).
 * Repeat purchases dominate grocery data; these features let the model say so.
 *
 * Invariant: pooling weights are positive and sum to 1 (an empty history has no items).
 */
import { type TwoTowerConfig } from '@cohort/contracts';
import { HISTORY_FEATURES } from './layout';

export const FEATURE_COUNT = HISTORY_FEATURES.length;

export interface UserContext {
  /** Orders in the context. */
  readonly orderCount: number;
  /** Distinct items bought, in first-seen order. */
  readonly items: Int32Array;
  readonly poolWeights: Float64Array;
  /** items.length × FEATURE_COUNT, row-major. */
  readonly features: Float64Array;
  /** Item index → row in `items`. */
  readonly rowOf: ReadonlyMap<number, number>;
}

/** The context of `orders` (oldest first). Items are catalog indices. */
export function buildUserContext(orders: readonly ArrayLike<number>[], config: Pick<TwoTowerConfig, 'poolingDecay' | 'recencyDecay'>): UserContext {
  const rowOf = new Map<number, number>();
  const items: number[] = [];
  const counts: number[] = [];
  const last: number[] = [];
  const weights: number[] = [];
  const n = orders.length;
  for (let k = 0; k < n; k++) {
    const order = orders[k]!;
    const weight = config.poolingDecay ** (n - 1 - k);
    for (let j = 0; j < order.length; j++) {
      const item = order[j]!;
      let row = rowOf.get(item);
      if (row === undefined) {
        row = items.length;
        rowOf.set(item, row);
        items.push(item);
        counts.push(0);
        last.push(-1);
        weights.push(0);
      }
      // An item twice in one order counts once for that order.
      if (last[row] !== k) {
        counts[row] += 1;
        weights[row] += weight;
        last[row] = k;
      }
    }
  }
  let total = 0;
  for (const w of weights) total += w;
  const features = new Float64Array(items.length * FEATURE_COUNT);
  for (let row = 0; row < items.length; row++) {
    features[row * FEATURE_COUNT] = Math.log1p(counts[row]!);
    features[row * FEATURE_COUNT + 1] = config.recencyDecay ** (n - 1 - last[row]!);
    features[row * FEATURE_COUNT + 2] = counts[row]! / n;
  }
  return {
    orderCount: n,
    items: Int32Array.from(items),
    poolWeights: Float64Array.from(weights, (w) => w / total),
    features,
    rowOf,
  };
}
