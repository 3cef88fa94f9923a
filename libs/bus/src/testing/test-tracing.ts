/**
 * Test-only OpenTelemetry setup: an in-memory span exporter behind a `BasicTracerProvider`, the
 * AsyncLocalStorage context manager and the W3C trace-context propagator, all registered as the
 * globals the bus uses. Invariant: installed once per process (the OTel globals accept one
 * registration); later calls return the same exporter.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const INSTALLED = Symbol.for('cohort.bus.test-tracing');

export function installTestTracing(): InMemorySpanExporter {
  const store = globalThis as { [INSTALLED]?: InMemorySpanExporter };
  const existing = store[INSTALLED];
  if (existing) return existing;
  const exporter = new InMemorySpanExporter();
  trace.disable();
  context.disable();
  propagation.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  store[INSTALLED] = exporter;
  return exporter;
}
