/**
 * Tracing glue shared by both adapters, on the global OpenTelemetry API (a no-op until the app
 * registers an SDK): `publish` runs in a PRODUCER span, child of the active context, and injects
 * its W3C trace context into the message headers with the global propagator; each handler call
 * runs in an active CONSUMER span whose parent is the context extracted from the headers.
 * Invariant: a consumer span never inherits the context of whatever code happened to wake the
 * consumer up — its parent is what the message carries (or nothing).
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Span } from '@opentelemetry/api';
import { describeError } from './bus.logger';

export const TRACER_NAME = 'cohort-bus';

function tracer() {
  return trace.getTracer(TRACER_NAME);
}

function fail(span: Span, error: unknown): void {
  const { name, message } = describeError(error);
  span.recordException({ name, message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${name}: ${message}` });
}

/** Runs `send` inside a PRODUCER span after injecting its context into `headers`. */
export function inProducerSpan<T>(topic: string, system: string, attributes: Attributes, headers: Record<string, string>, send: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(
    `send ${topic}`,
    { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': system, 'messaging.operation.type': 'send', 'messaging.destination.name': topic, ...attributes } },
    async (span) => {
      propagation.inject(context.active(), headers);
      try {
        return await send();
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Runs `handle` inside an active CONSUMER span whose parent is the context in `headers`. */
export function inConsumerSpan<T>(topic: string, system: string, attributes: Attributes, headers: Readonly<Record<string, string>>, handle: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  return tracer().startActiveSpan(
    `process ${topic}`,
    { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': system, 'messaging.operation.type': 'process', 'messaging.destination.name': topic, ...attributes } },
    parent,
    async (span) => {
      try {
        return await handle();
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
