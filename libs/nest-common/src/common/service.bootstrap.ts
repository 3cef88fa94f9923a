/**
 * `main.ts` of every service:
 *
 *   const config = loadConfigOrExit(AppConfig);
 *   void bootstrapService({ service: 'round-scheduler', module: AppModule.forRoot(config), config });
 *
 * Starts tracing, creates the Nest app (buffered logs flushed into pino, no default body parser:
 * CohortCommonModule parses bodies), listens on HOST:PORT, logs the URL, and shuts down
 * gracefully on SIGTERM/SIGINT.
 *
 * Invariants:
 * - shutdown order: stop accepting requests and finish in-flight ones, run every module's
 *   shutdown hooks (features, then the bus and the store), flush spans, exit 0; a shutdown that
 *   takes longer than `shutdownTimeoutMs` (or a second signal) exits 1 at once;
 * - a ConfigError raised while the app is built exits 78 with its message on stderr, any other
 *   boot failure is logged and exits 1; a service never half-starts.
 */
import type { DynamicModule, Type } from '@nestjs/common';
import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Logger } from 'nestjs-pino';
import type { CommonConfig } from '../config/common-config.schema';
import { ConfigError } from '../config/config.error';
import { exitOnConfigError } from '../config/config.loader';
import { createLogger } from '../logging/logger.factory';
import { startTelemetry, type Telemetry } from '../telemetry/telemetry.bootstrap';
import { COHORT_NEST_APP_OPTIONS } from './cohort-common.options';

export interface BootstrapServiceOptions {
  readonly service: string;
  /** The app's root module; it imports CohortCommonModule.forRoot({ service, config }). */
  readonly module: Type<unknown> | DynamicModule;
  readonly config: CommonConfig;
  /** false: do not start OpenTelemetry here (started earlier, or not wanted). */
  readonly telemetry?: false | { readonly spanProcessor?: SpanProcessor };
  /** Signals that start a graceful shutdown (default SIGTERM and SIGINT); [] for none. */
  readonly shutdownSignals?: readonly NodeJS.Signals[];
  /** Longest graceful shutdown before exiting 1 (default 25 s, under Kubernetes' 30 s grace period). */
  readonly shutdownTimeoutMs?: number;
  /** Exit the process when the boot fails (default true); false rejects instead (tests). */
  readonly exitOnFailure?: boolean;
}

const TELEMETRY = Symbol.for('cohort.Telemetry');

/** Flushes spans last: the root wrapper module's shutdown hook runs after the app module's. */
@Injectable()
class TelemetryFlush implements OnApplicationShutdown {
  constructor(@Inject(TELEMETRY) private readonly telemetry: Telemetry | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    await this.telemetry?.shutdown();
  }
}

@Module({})
class CohortServiceRootModule {}

export async function bootstrapService(options: BootstrapServiceOptions): Promise<NestExpressApplication> {
  const { service, config } = options;
  const exitOnFailure = options.exitOnFailure !== false;
  let telemetry: Telemetry | undefined;
  try {
    if (options.telemetry !== false) {
      telemetry = startTelemetry({
        serviceName: service,
        exporter: config.OTEL_EXPORTER,
        otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
        spanProcessor: options.telemetry?.spanProcessor,
      });
    }
    const root: DynamicModule = {
      module: CohortServiceRootModule,
      imports: [options.module],
      providers: [{ provide: TELEMETRY, useValue: telemetry }, TelemetryFlush],
    };
    const app = await NestFactory.create<NestExpressApplication>(root, { ...COHORT_NEST_APP_OPTIONS, bufferLogs: true, abortOnError: false });
    const logger = app.get(Logger);
    app.useLogger(logger);
    app.flushLogs();
    app.disable('x-powered-by');
    installShutdown(app, logger, options);
    await app.listen(config.PORT, config.HOST);
    logger.log(`${service} listening on ${await app.getUrl()} (${config.COHORT_MODE} mode, ${config.COHORT_ENV})`, 'Bootstrap');
    return app;
  } catch (error) {
    await telemetry?.shutdown().catch(() => undefined);
    if (!exitOnFailure) {
      throw error;
    }
    if (error instanceof ConfigError) {
      exitOnConfigError(error);
    }
    createLogger(service, { level: config.LOG_LEVEL }).fatal({ err: error }, `${service} failed to start`);
    process.exit(1);
  }
}

function installShutdown(app: NestExpressApplication, logger: Logger, options: BootstrapServiceOptions): void {
  const signals = options.shutdownSignals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = options.shutdownTimeoutMs ?? 25_000;
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`${signal} again during shutdown: exiting now`, 'Bootstrap');
      process.exit(1);
    }
    closing = true;
    logger.log(`${signal} received: shutting down gracefully`, 'Bootstrap');
    const timer = setTimeout(() => {
      logger.error(`graceful shutdown took longer than ${timeoutMs} ms: exiting`, 'Bootstrap');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    app
      .close()
      .then(() => {
        logger.log('shut down cleanly', 'Bootstrap');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'graceful shutdown failed', 'Bootstrap');
        process.exit(1);
      });
  };
  for (const signal of signals) {
    process.on(signal, onSignal);
  }
}
