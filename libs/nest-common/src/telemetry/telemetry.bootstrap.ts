/**
 * Starts OpenTelemetry tracing for one process: W3C trace-context propagation, an
 * AsyncLocalStorage context manager, and spans exported to nowhere, the console or OTLP/HTTP.
 *
 * Why no auto-instrumentation: `@opentelemetry/auto-instrumentations-node` works by patching
 * `http`, `express` and friends as they are `require`d, so it must be loaded before any of them
 * (a `--require` preload). Our services run under tsx/esbuild and vitest, which load modules
 * through their own hooks and hoist imports, so Nest and `http` are usually loaded before the SDK
 * could patch them and the result depends on import order. Instead the HTTP edge is traced
 * explicitly (TraceContextMiddleware for incoming requests, `injectTraceHeaders` for outgoing
 * fetch calls, the bus adapters for Kafka headers): fewer spans, but deterministic.
 *
 * Invariants:
 * - a tracer provider is always registered (even with exporter 'none'), so every service hop
 *   gets its own span id and an incoming trace id is carried through to outgoing calls;
 * - the SDK reads no exporter choice from the environment: the config decides (OTEL_EXPORTER);
 *   logs and metrics are not exported through OpenTelemetry (pino and Prometheus do that);
 * - `shutdown()` flushes pending spans.
 */
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export type TraceExporterKind = 'none' | 'console' | 'otlp';

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly exporter: TraceExporterKind;
  /** Base URL of the OTLP/HTTP collector (`/v1/traces` is appended); default http://localhost:4318. */
  readonly otlpEndpoint?: string;
  /** Extra processor, e.g. `new SimpleSpanProcessor(new InMemorySpanExporter())` in tests. */
  readonly spanProcessor?: SpanProcessor;
}

export interface Telemetry {
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

export function otlpTracesUrl(endpoint: string | undefined): string {
  return `${(endpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
}

function exporterProcessor(options: TelemetryOptions): SpanProcessor {
  switch (options.exporter) {
    case 'none':
      return new NoopSpanProcessor();
    case 'console':
      return new SimpleSpanProcessor(new ConsoleSpanExporter());
    case 'otlp':
      return new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl(options.otlpEndpoint) }));
  }
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const spanProcessors = [exporterProcessor(options), ...(options.spanProcessor === undefined ? [] : [options.spanProcessor])];
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    instrumentations: [],
    textMapPropagator: new W3CTraceContextPropagator(),
    contextManager: new AsyncLocalStorageContextManager(),
    spanProcessors,
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
