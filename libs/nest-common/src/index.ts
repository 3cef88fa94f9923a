/**
 * @cohort/nest-common — the Nest plumbing every Cohort service shares: config, logging, errors
 * (problem+json), API-key auth, health, metrics, tracing, infrastructure wiring and bootstrap.
 * The only public entry of the lib; import nothing from its folders directly.
 */
// config
export { ConfigError, CONFIG_ERROR_EXIT_CODE, type ConfigIssue } from './config/config.error';
export { parseConfig, type Env } from './config/config.parser';
export { loadConfigOrExit, exitOnConfigError, type ConfigExit } from './config/config.loader';
export {
  commonConfigSchema,
  apiKeysSchema,
  apiKeySchema,
  MIN_API_KEY_LENGTH,
  LOG_LEVELS,
  type CommonConfig,
  type ConfiguredApiKey,
  type LogLevel,
} from './config/common-config.schema';

// logging
export { createLogger, type CreateLoggerOptions } from './logging/logger.factory';
export { cohortLoggerOptions, scrubSecrets, MAX_SCRUB_DEPTH, REDACT_PATHS, REDACTED, REDACTED_KEYS } from './logging/logger.options';
export { CORRELATION_HEADER, httpLoggingParams } from './logging/http-logging.options';

// errors
export { DomainError, type DomainErrorKind, type DomainErrorOptions, type FieldError } from './errors/domain.error';
export { RequestError, RequestErrorCode } from './errors/request.error';
export { ProblemJsonExceptionFilter } from './errors/problem-json.exception-filter';
export { toProblem, statusOfKind, problemType, type MappedProblem } from './errors/problem-details.mapper';
export { ZodValidationPipe, ZodBody, ZodQuery, parseWith } from './errors/zod-validation.pipe';

// auth
export { COHORT_ROLES, isCohortRole, type CohortRole } from './auth/cohort-role.constants';
export { ApiKeyTable, keyIdOf, type ApiKeyEntry } from './auth/api-key.table';
export { createApiKeyTable, generateApiKey, type ApiKeyConfig, type ApiKeyTableOptions } from './auth/api-key-table.factory';
export { Public, Roles, Principal, IS_PUBLIC_KEY, ROLES_KEY, type AuthenticatedRequest } from './auth/auth.decorators';
export { ApiKeyGuard } from './auth/api-key.guard';

// health and metrics
export { ReadinessRegistry, type ReadinessCheck, type ReadinessReport, type CheckResult } from './health/readiness.registry';
export { MetricsRegistry } from './metrics/metrics.registry';

// telemetry
export { startTelemetry, otlpTracesUrl, type Telemetry, type TelemetryOptions, type TraceExporterKind } from './telemetry/telemetry.bootstrap';
export { injectTraceHeaders } from './telemetry/trace-headers.helper';
export { TraceContextMiddleware } from './telemetry/trace-context.middleware';

// http
export { DEFAULT_JSON_LIMIT, DEFAULT_RAW_LIMIT } from './http/body-parser.middleware';
export { combineHttpOptions } from './http/http-options.combine';

// modules and bootstrap
export { CohortCommonModule, CohortCommonCoreModule } from './common/cohort-common.module';
export {
  COHORT_COMMON_OPTIONS,
  COHORT_CONFIG,
  COHORT_NEST_APP_OPTIONS,
  SERVICE_NAME,
  type CohortCommonOptions,
  type CohortHttpOptions,
  type RouteBodyLimit,
} from './common/cohort-common.options';
export { bootstrapService, type BootstrapServiceOptions } from './common/service.bootstrap';
export {
  CohortInfrastructureModule,
  InfrastructureLifecycle,
  infrastructureConfigs,
  type CohortInfrastructureOptions,
  type InfrastructureConfig,
  type InfrastructureFactories,
} from './infrastructure/cohort-infrastructure.module';
