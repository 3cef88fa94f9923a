/**
 * The plumbing every Cohort service imports once, in its root module:
 *
 *   @Module({ imports: [CohortCommonModule.forRoot({ service: 'round-scheduler', config }),
 *                       CohortInfrastructureModule.forRoot(config), RoundSchedulerModule.forRoot(...)] })
 *
 * It wires pino logging (nestjs-pino), the problem+json exception filter, the API-key guard,
 * `/health/live`, `/health/ready`, `/metrics`, request tracing and metrics, and body parsing.
 *
 * Invariants:
 * - imported once per application (feature modules never import it; they inject what the global
 *   CohortCommonCoreModule exports: ReadinessRegistry, MetricsRegistry, SERVICE_NAME, COHORT_CONFIG);
 * - middleware order per request: pino-http (a global module, so first) → trace → metrics →
 *   body parsers, so a rejected body is still logged, traced and counted.
 */
import { type DynamicModule, Global, Inject, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ApiKeyTable } from '../auth/api-key.table';
import { createApiKeyTable } from '../auth/api-key-table.factory';
import { ProblemJsonExceptionFilter } from '../errors/problem-json.exception-filter';
import { HealthController } from '../health/health.controller';
import { ReadinessRegistry } from '../health/readiness.registry';
import { jsonBodyParser, rawBodyParser } from '../http/body-parser.middleware';
import { httpLoggingParams } from '../logging/http-logging.options';
import { HttpMetricsMiddleware } from '../metrics/http-metrics.middleware';
import { MetricsController } from '../metrics/metrics.controller';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { TraceContextMiddleware } from '../telemetry/trace-context.middleware';
import { COHORT_COMMON_OPTIONS, COHORT_CONFIG, type CohortCommonOptions, SERVICE_NAME } from './cohort-common.options';

const ALL_ROUTES = { path: '{*splat}', method: RequestMethod.ALL };

/** The shared, injectable half: global so features and the infrastructure module see it. */
@Global()
@Module({})
export class CohortCommonCoreModule {
  static forRoot(options: CohortCommonOptions): DynamicModule {
    return {
      module: CohortCommonCoreModule,
      providers: [
        { provide: COHORT_COMMON_OPTIONS, useValue: options },
        { provide: SERVICE_NAME, useValue: options.service },
        { provide: COHORT_CONFIG, useValue: options.config },
        ReadinessRegistry,
        { provide: MetricsRegistry, useFactory: () => new MetricsRegistry(options.service, { defaultMetrics: options.defaultMetrics }) },
        { provide: ApiKeyTable, useFactory: () => createApiKeyTable(options.config, options.apiKeys) },
      ],
      exports: [COHORT_COMMON_OPTIONS, SERVICE_NAME, COHORT_CONFIG, ReadinessRegistry, MetricsRegistry, ApiKeyTable],
    };
  }
}

@Module({})
export class CohortCommonModule implements NestModule {
  constructor(@Inject(COHORT_COMMON_OPTIONS) private readonly options: CohortCommonOptions) {}

  static forRoot(options: CohortCommonOptions): DynamicModule {
    return {
      module: CohortCommonModule,
      imports: [
        LoggerModule.forRoot(httpLoggingParams(options.service, options.config.LOG_LEVEL, options.logDestination)),
        CohortCommonCoreModule.forRoot(options),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_FILTER, useClass: ProblemJsonExceptionFilter },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        TraceContextMiddleware,
        HttpMetricsMiddleware,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    const http = this.options.http ?? {};
    consumer.apply(TraceContextMiddleware, HttpMetricsMiddleware).forRoutes(ALL_ROUTES);
    // A route's own JSON parser runs first; the default one then skips the body it already read.
    for (const { routes, limit } of http.jsonRoutes ?? []) {
      if (routes.length > 0) consumer.apply(jsonBodyParser(limit)).forRoutes(...routes);
    }
    consumer.apply(jsonBodyParser(http.jsonLimit)).forRoutes(ALL_ROUTES);
    if (http.rawBody !== undefined && http.rawBody.routes.length > 0) {
      consumer.apply(rawBodyParser(http.rawBody.limit)).forRoutes(...http.rawBody.routes);
    }
  }
}
