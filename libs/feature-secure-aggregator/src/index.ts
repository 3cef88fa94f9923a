/** @cohort/feature-secure-aggregator — SecAgg+ sessions and the DP release (secure-aggregator's domain). */
export { SecureAggregatorModule } from './secure-aggregator.module';
export { BINARY_ROUTES } from './secagg/secagg.controller';
export { type NoiseSource, type SecAggOptions } from './secagg/secagg.options';
export { SessionLifecycleService } from './secagg/session-lifecycle.service';
export { SecureAggregatorError, SecureAggregatorErrorCode } from './secagg/secure-aggregator.error';
export { secureAggregatorConfigShape, secureAggregatorOptionsFromConfig, type SecAggConfig } from './secagg/secagg.config';
