/**
 * Request body parsing, as Nest middleware so that it runs AFTER request logging, metrics and
 * tracing (a rejected body is still logged, counted and traced). Apps are therefore created with
 * `bodyParser: false` (COHORT_NEST_APP_OPTIONS); CohortCommonModule installs these instead.
 *
 * Invariants:
 * - JSON bodies (`application/json`, `application/*+json`) are limited (default 1 MiB);
 * - `application/octet-stream` is read into a Buffer ONLY on the routes that ask for it, with its
 *   own limit (default 64 MiB); elsewhere such a body is never buffered;
 * - a body that is too large or not valid JSON becomes a RequestError (413 `payload-too-large`,
 *   400 `malformed-json`), never a raw SyntaxError whose message echoes the body.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json, raw } from 'express';
import { RequestError, RequestErrorCode } from '../errors/request.error';

export const DEFAULT_JSON_LIMIT = '1mb';
export const DEFAULT_RAW_LIMIT = '64mb';
export const OCTET_STREAM = 'application/octet-stream';

export function translateBodyError(error: unknown): unknown {
  const { type, limit } = (typeof error === 'object' && error !== null ? error : {}) as { type?: unknown; limit?: unknown };
  switch (type) {
    case 'entity.too.large':
      return new RequestError(
        RequestErrorCode.PayloadTooLarge,
        `The request body is larger than this endpoint accepts${typeof limit === 'number' ? ` (${limit} bytes)` : ''}.`,
        { cause: error },
      );
    case 'entity.parse.failed':
      return new RequestError(RequestErrorCode.MalformedJson, 'The request body is not valid JSON.', { cause: error });
    case undefined:
      return error;
    default:
      return new RequestError(RequestErrorCode.UnreadableBody, 'The request body could not be read (check Content-Type, Content-Encoding and charset).', { cause: error });
  }
}

function translated(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => parser(req, res, (error?: unknown) => next(error === undefined ? undefined : translateBodyError(error)));
}

export function jsonBodyParser(limit: string | number = DEFAULT_JSON_LIMIT): RequestHandler {
  return translated(json({ limit, type: ['application/json', 'application/*+json'], strict: true }));
}

export function rawBodyParser(limit: string | number = DEFAULT_RAW_LIMIT): RequestHandler {
  return translated(raw({ limit, type: OCTET_STREAM }));
}
