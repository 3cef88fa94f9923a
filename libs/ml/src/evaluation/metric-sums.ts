/**
 * Summable evaluation results. A device evaluates its own user and reports sums; the server only
 * adds them (`addMetrics`) and divides once at the end (`meanMetrics`). Keeping sums, not means,
 * is what makes the federated result equal the centralised one: the mean of means over devices
 * with different user counts would not be.
 *
 * Invariant: addMetrics is commutative and associative up to float rounding, and emptyMetrics()
 * is its identity, so any partition of the users gives the same totals.
 */

/** Sums over users of each per-user metric, and the number of users summed. */
export interface MetricSums {
  users: number;
  hr10: number;
  ndcg10: number;
  recall20: number;
  ndcg20: number;
}

/** Means over `users` users of each per-user metric. */
export interface MetricMeans {
  readonly users: number;
  readonly hr10: number;
  readonly ndcg10: number;
  readonly recall20: number;
  readonly ndcg20: number;
}

export function emptyMetrics(): MetricSums {
  return { users: 0, hr10: 0, ndcg10: 0, recall20: 0, ndcg20: 0 };
}

/** A new record holding a + b, field by field. */
export function addMetrics(a: MetricSums, b: MetricSums): MetricSums {
  return {
    users: a.users + b.users,
    hr10: a.hr10 + b.hr10,
    ndcg10: a.ndcg10 + b.ndcg10,
    recall20: a.recall20 + b.recall20,
    ndcg20: a.ndcg20 + b.ndcg20,
  };
}

/** Per-user means; throws when no user was evaluated, since there is no mean of nothing. */
export function meanMetrics(sums: MetricSums): MetricMeans {
  const { users } = sums;
  if (!Number.isInteger(users) || users < 0) throw new RangeError(`sums.users must be a non-negative integer; got ${users}`);
  if (users === 0) {
    throw new RangeError('sums.users is 0: no user had the 2 or more orders leave-last-order-out needs, so there is no mean to report');
  }
  return {
    users,
    hr10: sums.hr10 / users,
    ndcg10: sums.ndcg10 / users,
    recall20: sums.recall20 / users,
    ndcg20: sums.ndcg20 / users,
  };
}
