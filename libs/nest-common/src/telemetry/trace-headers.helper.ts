/**
 * Propagation for outgoing HTTP calls: `fetch(url, { headers: injectTraceHeaders({...}) })` adds
 * `traceparent` (and `tracestate`) of the active span, so the callee's span joins the trace.
 *
 * Invariant: the caller's headers are copied, never mutated; without an active span (or without
 * startTelemetry) the headers come back unchanged.
 */
import { context, propagation } from '@opentelemetry/api';

export function injectTraceHeaders<H extends Record<string, string>>(headers: H = {} as H): H & Record<string, string> {
  const carrier: Record<string, string> = { ...headers };
  propagation.inject(context.active(), carrier);
  return carrier as H & Record<string, string>;
}
