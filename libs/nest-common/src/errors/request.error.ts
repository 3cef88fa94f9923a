/**
 * The one error class of nest-common itself: what goes wrong with a request before any feature
 * sees it (malformed or oversized body, failed validation, missing credentials, readiness).
 *
 * Invariant: the kind of each code is fixed here, so the same failure always gets the same
 * status, whichever service answers.
 */
import { DomainError, type DomainErrorKind, type DomainErrorOptions } from './domain.error';

export enum RequestErrorCode {
  ValidationFailed = 'validation-failed',
  MalformedJson = 'malformed-json',
  PayloadTooLarge = 'payload-too-large',
  UnreadableBody = 'unreadable-body',
  MissingCredentials = 'missing-credentials',
  InvalidCredentials = 'invalid-credentials',
  MissingRole = 'missing-role',
  NotReady = 'not-ready',
}

const KIND: Record<RequestErrorCode, DomainErrorKind> = {
  [RequestErrorCode.ValidationFailed]: 'invalid',
  [RequestErrorCode.MalformedJson]: 'invalid',
  [RequestErrorCode.PayloadTooLarge]: 'too-large',
  [RequestErrorCode.UnreadableBody]: 'invalid',
  [RequestErrorCode.MissingCredentials]: 'unauthenticated',
  [RequestErrorCode.InvalidCredentials]: 'unauthenticated',
  [RequestErrorCode.MissingRole]: 'forbidden',
  [RequestErrorCode.NotReady]: 'unavailable',
};

export class RequestError extends DomainError<RequestErrorCode> {
  constructor(code: RequestErrorCode, message: string, options?: DomainErrorOptions) {
    super(code, KIND[code], message, options);
  }
}
