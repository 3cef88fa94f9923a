/**
 * Counts and times every HTTP request: `http_requests_total{method,route,status}` and
 * `http_request_duration_seconds{method,route,status}`.
 *
 * Invariant: `route` is the route TEMPLATE (`/v1/rounds/:roundId`), never the raw path, and
 * requests that match no route are labelled `unmatched`: label cardinality stays bounded by the
 * number of routes, whatever callers send. Requests refused before routing (oversized or
 * malformed body) are `unmatched` too.
 */
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics.registry';

export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Catch-all paths under which Nest mounts middleware for every route: `req.route` still holds one
 * of these when no handler matched (unknown path) or a middleware answered first (refused body).
 */
const CATCH_ALL_PATHS = new Set(['/{*splat}', '{*splat}', '/*', '*', '/{*path}']);

/** The matched route template, once routing is done (at `finish`). */
export function routeTemplateOf(req: Request): string {
  const path: unknown = (req as { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' && !CATCH_ALL_PATHS.has(path) ? `${req.baseUrl ?? ''}${path}` : UNMATCHED_ROUTE;
}

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(@Inject(MetricsRegistry) metrics: MetricsRegistry) {
    this.requests = metrics.counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
    });
    this.duration = metrics.histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to finishing its response, by route template.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const labels = { method: req.method, route: routeTemplateOf(req), status: String(res.statusCode) };
      this.requests.inc(labels);
      this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }
}
