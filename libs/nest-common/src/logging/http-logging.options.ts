/**
 * nestjs-pino parameters for a service: one JSON line per request (method, route, status,
 * duration), a correlation id per request, and quiet probes.
 *
 * Invariants:
 * - every request has a correlation id: the caller's `x-correlation-id` when it is a sane token,
 *   else a new UUID; it is echoed in the response header, is `correlationId` on every log line of
 *   the request and in problem+json bodies;
 * - `/health/*` and `/metrics` are not logged per request (probes and scrapes would drown the rest);
 * - 5xx are logged at error, 4xx at warn, the rest at info.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, LevelWithSilent } from 'pino';
import type { Options } from 'pino-http';
import type { LogLevel } from '../config/common-config.schema';
import { cohortLoggerOptions } from './logger.options';

export const CORRELATION_HEADER = 'x-correlation-id';
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isQuietPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0] ?? '';
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}

export function correlationIdOf(req: IncomingMessage, res: ServerResponse): string {
  const offered = req.headers[CORRELATION_HEADER];
  const id = typeof offered === 'string' && SANE_ID.test(offered) ? offered : randomUUID();
  res.setHeader(CORRELATION_HEADER, id);
  return id;
}

export function httpLogLevel(_req: IncomingMessage, res: ServerResponse, error?: Error): LevelWithSilent {
  if (error !== undefined || res.statusCode >= 500) {
    return 'error';
  }
  return res.statusCode >= 400 ? 'warn' : 'info';
}

export function httpLoggingParams(service: string, level: LogLevel, destination?: DestinationStream): Params {
  const options: Options = {
    ...cohortLoggerOptions(service, level),
    genReqId: correlationIdOf,
    customProps: (req) => ({ correlationId: req.id }),
    autoLogging: { ignore: (req) => isQuietPath(req.url) },
    customLogLevel: httpLogLevel,
  };
  return {
    pinoHttp: destination === undefined ? options : [options, destination],
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
  };
}
