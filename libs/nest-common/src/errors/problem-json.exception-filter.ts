/**
 * The one global exception filter: every error that leaves a handler, a guard, a pipe or a
 * middleware is answered here as `application/problem+json` (RFC 9457).
 *
 * Invariants:
 * - the status comes only from `toProblem` (exhaustive switch on DomainErrorKind);
 * - a 401 always carries `WWW-Authenticate: Bearer` (RFC 6750 §3);
 * - unexpected errors are logged with their stack here and answered with a generic detail, so
 *   internals never reach the caller;
 * - the body carries the request's correlation id, the same one the logs carry.
 */
import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { PROBLEM_CONTENT_TYPE } from '@cohort/contracts';
import { toProblem } from './problem-details.mapper';

@Catch()
export class ProblemJsonExceptionFilter implements ExceptionFilter {
  constructor(@Inject(PinoLogger) private readonly logger: PinoLogger) {
    this.logger.setContext(ProblemJsonExceptionFilter.name);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      throw exception;
    }
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const { status, body, unexpected } = toProblem(exception, request.path ?? request.url);
    const correlationId = typeof request.id === 'string' ? request.id : undefined;

    if (unexpected) {
      this.logger.error({ err: exception, status, code: body.code, correlationId }, 'request failed with an unexpected error');
    }
    if (response.headersSent) {
      // Streaming already started: nothing valid can be sent any more; cut the connection.
      response.destroy();
      return;
    }
    if (status === 401) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="cohort"');
    }
    response
      .status(status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(correlationId === undefined ? body : { ...body, correlationId }));
  }
}
