/**
 * The base of every error a feature module throws on purpose.
 *
 * Invariant: each feature module defines exactly ONE subclass, with a string-enum `code` and a
 * `kind` chosen from the closed list below; the mapping from kind to HTTP status lives in one
 * place (ProblemJsonExceptionFilter), never in the feature. The message is written for the
 * operator or the caller and may be shown to them (except for kind 'internal', whose message is
 * logged but never sent).
 *
 * A feature's subclass:
 *
 *   export enum RoundSchedulerErrorCode { RoundNotFound = 'round-not-found' }
 *   const KIND: Record<RoundSchedulerErrorCode, DomainErrorKind> = { 'round-not-found': 'not-found' };
 *   export class RoundSchedulerError extends DomainError<RoundSchedulerErrorCode> {
 *     constructor(code: RoundSchedulerErrorCode, message: string) { super(code, KIND[code], message); }
 *   }
 */

/** What went wrong, independent of transport. The filter maps each to one HTTP status. */
export type DomainErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'gone'
  | 'too-large'
  | 'unavailable'
  | 'internal';

/** One problem with one input field; `field` is a dotted path (`context.recentItemIds.0`). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export interface DomainErrorOptions {
  readonly cause?: unknown;
  /** Per-field problems, sent as the `errors` member of the problem+json body. */
  readonly errors?: readonly FieldError[];
}

export abstract class DomainError<C extends string = string> extends Error {
  readonly errors: readonly FieldError[];

  protected constructor(
    readonly code: C,
    readonly kind: DomainErrorKind,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.errors = options.errors ?? [];
  }
}
