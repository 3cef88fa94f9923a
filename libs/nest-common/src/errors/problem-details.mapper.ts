/**
 * Turns any thrown value into an RFC 9457 problem+json body and its status.
 *
 * Invariants:
 * - the switch on DomainErrorKind is exhaustive: a new kind fails the build here, not in production;
 * - unknown errors and 5xx HttpExceptions become a generic 500/5xx whose detail never carries the
 *   original message, stack or cause (those are logged, not sent);
 * - the `type` of a problem is `urn:cohort:problem:<code>`, stable for clients to switch on.
 */
import { HttpException } from '@nestjs/common';
import type { ProblemDetails } from '@cohort/contracts';
import { DomainError, type DomainErrorKind, type FieldError } from './domain.error';

export interface MappedProblem {
  readonly status: number;
  readonly body: ProblemDetails;
  /** True when the error was not expected (unknown error or 5xx): log it with its stack. */
  readonly unexpected: boolean;
}

export function statusOfKind(kind: DomainErrorKind): number {
  switch (kind) {
    case 'invalid':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'gone':
      return 410;
    case 'too-large':
      return 413;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
    default:
      return assertNever(kind);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Codes for HttpExceptions thrown by Nest itself (unknown route, ...) or by a controller. */
const HTTP_CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  410: 'gone',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  503: 'unavailable',
};

export const GENERIC_INTERNAL_DETAIL = 'An unexpected error occurred. It has been logged; quote the correlation id when reporting it.';

export function titleOfStatus(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

export function problemType(code: string): string {
  return `urn:cohort:problem:${code}`;
}

export function toProblem(error: unknown, instance: string): MappedProblem {
  if (error instanceof DomainError) {
    const status = statusOfKind(error.kind);
    const internal = error.kind === 'internal';
    return {
      status,
      unexpected: internal,
      body: build(status, error.code, internal ? GENERIC_INTERNAL_DETAIL : error.message, instance, error.errors),
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = HTTP_CODES[status] ?? `http-${status}`;
    const unexpected = status >= 500 && status !== 503;
    return { status, unexpected, body: build(status, code, unexpected ? GENERIC_INTERNAL_DETAIL : httpExceptionDetail(error), instance, []) };
  }
  const bodyParser = bodyParserStatus(error);
  if (bodyParser !== undefined) {
    // Raised by Nest's own body parser when an app was created without `bodyParser: false`.
    const { status, type } = bodyParser;
    if (type === 'entity.too.large') {
      return { status: 413, unexpected: false, body: build(413, 'payload-too-large', 'The request body is larger than this endpoint accepts.', instance, []) };
    }
    if (type === 'entity.parse.failed') {
      return { status: 400, unexpected: false, body: build(400, 'malformed-json', 'The request body is not valid JSON.', instance, []) };
    }
    return { status, unexpected: false, body: build(status, HTTP_CODES[status] ?? `http-${status}`, 'The request body could not be read.', instance, []) };
  }
  return { status: 500, unexpected: true, body: build(500, 'internal', GENERIC_INTERNAL_DETAIL, instance, []) };
}

function build(status: number, code: string, detail: string, instance: string, errors: readonly FieldError[]): ProblemDetails {
  const body: ProblemDetails = { type: problemType(code), title: titleOfStatus(status), status, detail, code, instance };
  if (errors.length > 0) {
    body.errors = errors.map(({ field, message }) => ({ field, message }));
  }
  return body;
}

function httpExceptionDetail(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    return message.map(String).join('; ');
  }
  return typeof message === 'string' ? message : error.message;
}

/** body-parser errors carry `type` ('entity.too.large', ...) and a 4xx `status`. */
function bodyParserStatus(error: unknown): { status: number; type: string } | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500 && /^(entity|request|encoding|charset|stream)\./.test(type)) {
    return { status, type };
  }
  return undefined;
}

function assertNever(value: never): never {
  throw new Error(`Unhandled error kind: ${String(value)}`);
}
