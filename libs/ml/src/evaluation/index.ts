/**
 * Offline evaluation of purchase recommendation (leave-last-order-out, sampled and full-catalog
 * metrics, summable per user) and its baselines.
 */
export { type PurchaseHistory, type Scorer } from './purchase-history';
export { addMetrics, emptyMetrics, meanMetrics, type MetricMeans, type MetricSums } from './metric-sums';
export { sampleNegatives, userRandom } from './negative-sampling';
export {
  evaluatePopulation,
  evaluateUser,
  FULL_CATALOG_CUTOFF,
  MIN_ORDERS,
  type PopulationEvaluationOptions,
  SAMPLED_CUTOFF,
  SAMPLED_NEGATIVES,
  type UserEvaluationOptions,
} from './leave-last-order-out';
export { itemPopularity, popularityScorer, repeatScorer } from './baseline-scorers';
