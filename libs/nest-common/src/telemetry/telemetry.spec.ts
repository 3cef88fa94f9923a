import { Controller, Get, Inject, Param } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PinoLogger } from 'nestjs-pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Public } from '../auth/auth.decorators';
import { startTestApp, type TestApp } from '../common/test-app.fixture';
import { otlpTracesUrl, startTelemetry, type Telemetry } from './telemetry.bootstrap';
import { injectTraceHeaders } from './trace-headers.helper';

// A traceparent as a device would send it (W3C Trace Context §3.2).
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;

@Public()
@Controller('traced')
class TracedController {
  constructor(@Inject(PinoLogger) private readonly logger: PinoLogger) {}

  @Get(':orderId')
  get(@Param('orderId') orderId: string) {
    this.logger.info({ orderId }, 'handling traced request');
    return { outgoing: injectTraceHeaders({ accept: 'application/json' }), active: trace.getActiveSpan()?.spanContext() };
  }

  @Get(':orderId/fail')
  fail() {
    throw new Error('kaput');
  }
}

describe('request tracing', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;
  let t: TestApp;

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'fixture', exporter: 'none', spanProcessor: new SimpleSpanProcessor(exporter) });
    t = await startTestApp({ controllers: [TracedController] });
  });
  afterAll(async () => {
    await t.close();
    await telemetry.shutdown();
  });
  beforeEach(() => exporter.reset());

  /** Spans end at the response's `finish`, which may come just after the client has the body. */
  const serverSpans = () =>
    vi.waitFor(() => {
      const spans = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
      expect(spans.length).toBeGreaterThan(0);
      return spans;
    });

  it('runs a request carrying a traceparent in a SERVER span of that trace, child of the caller', async () => {
    const response = await fetch(`${t.url}/traced/o-17?secret=abc`, { headers: { traceparent: TRACEPARENT } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outgoing: Record<string, string>; active: { traceId: string; spanId: string } };

    const [span, ...others] = await serverSpans();
    expect(others).toEqual([]);
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(span?.name).toBe('GET /traced/:orderId');
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/traced/:orderId',
      'http.response.status_code': 200,
      'url.path': '/traced/o-17',
    });
    expect(JSON.stringify(span?.attributes)).not.toContain('secret');
    expect(span?.resource.attributes['service.name']).toBe('fixture');

    // The handler ran inside the span, so outgoing calls carry it as their parent.
    expect(body.active).toMatchObject({ traceId: TRACE_ID, spanId: span?.spanContext().spanId });
    expect(body.outgoing).toEqual({ accept: 'application/json', traceparent: `00-${TRACE_ID}-${span?.spanContext().spanId}-01` });

    // ... and the handler's log line names the trace.
    const logged = t.logs.find((line) => line.msg === 'handling traced request');
    expect(logged).toMatchObject({ traceId: TRACE_ID, spanId: span?.spanContext().spanId, orderId: 'o-17' });
  });

  it('starts a new trace for a request without traceparent', async () => {
    await fetch(`${t.url}/traced/o-18`);
    const [span] = await serverSpans();
    expect(span?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span?.spanContext().traceId).not.toBe(TRACE_ID);
    expect(span?.parentSpanContext).toBeUndefined();
  });

  it('marks 5xx answers as errors and still names the route', async () => {
    await fetch(`${t.url}/traced/o-19/fail`, { headers: { traceparent: TRACEPARENT } });
    const [span] = await serverSpans();
    expect(span?.name).toBe('GET /traced/:orderId/fail');
    expect(span?.attributes['http.response.status_code']).toBe(500);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('traces unknown routes without a route name', async () => {
    await fetch(`${t.url}/nowhere`, { headers: { traceparent: TRACEPARENT } });
    const [span] = await serverSpans();
    expect(span?.name).toBe('GET');
    expect(span?.attributes['http.route']).toBeUndefined();
    expect(span?.attributes['http.response.status_code']).toBe(404);
  });
});

describe('injectTraceHeaders', () => {
  it('copies the headers and adds nothing outside a span', () => {
    const headers = { authorization: 'Bearer x' };
    const out = injectTraceHeaders(headers);
    expect(out).toEqual({ authorization: 'Bearer x' });
    expect(out).not.toBe(headers);
  });
});

describe('otlpTracesUrl', () => {
  it('appends /v1/traces to the collector base URL, as the OTLP spec does for OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(otlpTracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl(undefined)).toBe('http://localhost:4318/v1/traces');
  });
});
