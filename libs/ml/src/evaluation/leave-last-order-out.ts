/**
 * Leave-last-order-out evaluation of purchase recommendation, the protocol shared by the utility
 * benchmark and federated evaluation on devices. A user with at least 2 orders is evaluated; the
 * scorer sees every order but the last (the context) and is judged on the last (the target):
 *
 *  - Sampled (HR@10, NDCG@10): the first item of the target against SAMPLED_NEGATIVES = 99 items
 *    the user never bought in any order, drawn uniformly without replacement (He et al., WWW 2017,
 *    section 4.1). When the catalog has fewer than 99 never-bought items, all of them are used, so
 *    on small catalogs the sampled metrics are easier than with 99. Ties are pessimistic.
 *  - Full catalog (Recall@20, NDCG@20): every catalog item is scored, and the top 20 (ties by
 *    lower item index) are compared with the distinct items of the target. Items the user already
 *    bought are not excluded: repeat purchases are what purchase recommendation must predict.
 *    Recall@20 cannot reach 1 when the target has more than 20 distinct items.
 *
 * Sampled metrics can order models differently from full-catalog ones (Krichene & Rendle, "On
 * Sampled Metrics for Item Recommendation", KDD 2020), which is why both are reported.
 *
 * Invariant: results are per-user sums, so evaluating any partition of the users with the same
 * seed and adding the parts gives the totals of evaluating them all (up to float rounding).
 */
import { addMetrics, emptyMetrics, type MetricSums } from './metric-sums';
import { sampleNegatives, userRandom } from './negative-sampling';
import { checkHistory, checkItemCount, type PurchaseHistory, type Scorer, scoreCandidates } from './purchase-history';
import { hitAt, ndcgOf, ndcgOfRank, pessimisticRank, recallOf, topKItems } from './ranking-metrics';

/** Negatives sampled against the held-out positive (so 100 candidates in all). */
export const SAMPLED_NEGATIVES = 99;
/** Cut-off of the sampled metrics, HR@10 and NDCG@10. */
export const SAMPLED_CUTOFF = 10;
/** Cut-off of the full-catalog metrics, Recall@20 and NDCG@20. */
export const FULL_CATALOG_CUTOFF = 20;
/** Users with fewer orders have no context to score from and are not evaluated. */
export const MIN_ORDERS = 2;

export interface UserEvaluationOptions {
  readonly itemCount: number;
  /** A [0, 1) source for the negatives; `userRandom(seed, userIndex)` gives the shared one. */
  readonly random: () => number;
}

export interface PopulationEvaluationOptions {
  readonly itemCount: number;
  /** Seed of every user's negatives stream, an integer in [0, 2^32). */
  readonly seed: number;
  /**
   * Global index of `histories[0]` (default 0). A device or shard that holds users
   * firstUserIndex.. passes it so its users draw the same negatives as in the whole population.
   */
  readonly firstUserIndex?: number;
}

/** Metric sums of one already-validated user with at least MIN_ORDERS orders. */
function evaluateValidated(history: PurchaseHistory, scorer: Scorer, itemCount: number, random: () => number): MetricSums {
  const context = history.orders.slice(0, -1);
  const target = history.orders[history.orders.length - 1];

  const negatives = sampleNegatives(history, itemCount, SAMPLED_NEGATIVES, random);
  const candidates = new Int32Array(1 + negatives.length);
  candidates[0] = target[0];
  candidates.set(negatives, 1);
  const sampledScores = scoreCandidates(scorer, context, candidates);
  const rank = pessimisticRank(sampledScores[0], sampledScores.subarray(1));

  const catalog = new Int32Array(itemCount);
  for (let i = 0; i < itemCount; i++) catalog[i] = i;
  const top = topKItems(scoreCandidates(scorer, context, catalog), FULL_CATALOG_CUTOFF);
  const relevant = new Set(target);

  return {
    users: 1,
    hr10: hitAt(rank, SAMPLED_CUTOFF),
    ndcg10: ndcgOfRank(rank, SAMPLED_CUTOFF),
    recall20: recallOf(top, relevant),
    ndcg20: ndcgOf(top, relevant, FULL_CATALOG_CUTOFF),
  };
}

/**
 * One user's metric sums (users = 1), or null when the history has fewer than 2 orders. The
 * scorer is called twice: once with the 1 + 99 sampled candidates (the positive first), once with
 * the whole catalog 0..itemCount-1.
 */
export function evaluateUser(history: PurchaseHistory, scorer: Scorer, options: UserEvaluationOptions): MetricSums | null {
  checkItemCount(options.itemCount, 'options.itemCount');
  checkHistory(history, options.itemCount);
  if (history.orders.length < MIN_ORDERS) return null;
  return evaluateValidated(history, scorer, options.itemCount, options.random);
}

/**
 * Sums over `histories` of evaluateUser, user u drawing negatives from
 * userRandom(seed, firstUserIndex + u). `scorerFor` gets the same global index and is called only
 * for users that are evaluated.
 */
export function evaluatePopulation(
  histories: readonly PurchaseHistory[],
  scorerFor: (userIndex: number) => Scorer,
  options: PopulationEvaluationOptions,
): MetricSums {
  const { itemCount, seed, firstUserIndex = 0 } = options;
  checkItemCount(itemCount, 'options.itemCount');
  if (!Number.isInteger(firstUserIndex) || firstUserIndex < 0) {
    throw new RangeError(`options.firstUserIndex must be a non-negative integer; got ${firstUserIndex}`);
  }
  let sums = emptyMetrics();
  histories.forEach((history, u) => {
    checkHistory(history, itemCount, `histories[${u}]`);
    if (history.orders.length < MIN_ORDERS) return;
    const userIndex = firstUserIndex + u;
    sums = addMetrics(sums, evaluateValidated(history, scorerFor(userIndex), itemCount, userRandom(seed, userIndex)));
  });
  return sums;
}
