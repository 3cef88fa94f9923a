/**
 * Runs each incoming HTTP request inside a SERVER span that continues the caller's trace
 * (W3C `traceparent` / `tracestate`), so a device's or a backend's call joins its trace.
 *
 * Invariants:
 * - everything downstream of this middleware (guards, pipes, handlers, their async work and the
 *   logs they write) runs with the span active;
 * - the span is ended exactly once, at `finish` or at `close` (client gone), named
 *   `<METHOD> <route template>` with `http.route` and `http.response.status_code`, and marked as
 *   an error for 5xx answers;
 * - no attribute carries query strings, headers or bodies (they may hold keys or personal data).
 */
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { routeTemplateOf, UNMATCHED_ROUTE } from '../metrics/http-metrics.middleware';

export const TRACER_NAME = '@cohort/nest-common';

@Injectable()
export class TraceContextMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = trace.getTracer(TRACER_NAME).startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.path },
      },
      parent,
    );
    let ended = false;
    const end = (completed: boolean) => {
      if (ended) {
        return;
      }
      ended = true;
      const route = routeTemplateOf(req);
      if (route !== UNMATCHED_ROUTE) {
        span.setAttribute('http.route', route);
        span.updateName(`${req.method} ${route}`);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (!completed) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection before the response was sent' });
      } else if (res.statusCode >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    res.once('finish', () => end(true));
    res.once('close', () => end(res.writableFinished));
    context.with(trace.setSpan(parent, span), next);
  }
}
