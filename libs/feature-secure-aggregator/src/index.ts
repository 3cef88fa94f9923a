/** @cohort/feature-secure-aggregator — aggregation sessions and the DP release (secure-aggregator's domain). */
export { SecureAggregatorModule } from './secure-aggregator.module';
export { BINARY_ROUTES } from './aggregation/updates.controller';
export { type AggregatorOptions } from './aggregation/plain-sum-aggregator.service';
export { SecureAggregatorError, SecureAggregatorErrorCode } from './aggregation/secure-aggregator.error';
