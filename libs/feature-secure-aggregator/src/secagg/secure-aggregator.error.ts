/**
 * The one exception class of secure-aggregator, with its string codes. Protocol refusals from
 * `@cohort/secagg` keep the library's code (`DUPLICATE_MESSAGE`, `BAD_SIGNATURE`, …) so a device
 * sees exactly what the state machine objected to.
 */
import { DomainError, type DomainErrorKind } from '@cohort/nest-common';
import { type SecAggError, SecAggErrorCode } from '@cohort/secagg';

export enum SecureAggregatorErrorCode {
  RoundNotFound = 'round-not-found',
  NotInSession = 'not-in-session',
  SessionClosed = 'session-closed',
  ClientIdMismatch = 'client-id-mismatch',
  NotOctetStream = 'not-octet-stream',
  MalformedBody = 'malformed-body',
}

type Code = SecureAggregatorErrorCode | SecAggErrorCode;

const KIND: Record<Code, DomainErrorKind> = {
  [SecureAggregatorErrorCode.RoundNotFound]: 'not-found',
  [SecureAggregatorErrorCode.NotInSession]: 'forbidden',
  [SecureAggregatorErrorCode.SessionClosed]: 'gone',
  [SecureAggregatorErrorCode.ClientIdMismatch]: 'invalid',
  [SecureAggregatorErrorCode.NotOctetStream]: 'invalid',
  [SecureAggregatorErrorCode.MalformedBody]: 'invalid',
  [SecAggErrorCode.InvalidParameter]: 'invalid',
  [SecAggErrorCode.OutOfOrder]: 'conflict',
  [SecAggErrorCode.Duplicate]: 'conflict',
  [SecAggErrorCode.WrongRound]: 'invalid',
  [SecAggErrorCode.UnknownClient]: 'forbidden',
  [SecAggErrorCode.NotEligible]: 'forbidden',
  [SecAggErrorCode.BadSignature]: 'invalid',
  [SecAggErrorCode.MalformedMessage]: 'invalid',
  [SecAggErrorCode.WrongVectorLength]: 'invalid',
  [SecAggErrorCode.ValueOutOfRange]: 'invalid',
  [SecAggErrorCode.DecryptionFailed]: 'invalid',
  [SecAggErrorCode.ShareCommitmentMismatch]: 'invalid',
  [SecAggErrorCode.ReconstructionFailed]: 'internal',
  [SecAggErrorCode.InsufficientSurvivors]: 'gone',
  [SecAggErrorCode.InsufficientShares]: 'gone',
  [SecAggErrorCode.BothSecretsRequested]: 'internal',
  [SecAggErrorCode.SessionAborted]: 'gone',
  [SecAggErrorCode.SessionFinished]: 'gone',
  [SecAggErrorCode.CorruptState]: 'invalid',
  [SecAggErrorCode.NoFeasibleGraph]: 'internal',
};

export class SecureAggregatorError extends DomainError<Code> {
  constructor(code: Code, message: string) {
    super(code, KIND[code], message);
  }

  /** A protocol refusal as the device sees it (same code, same message). */
  static fromProtocol(error: SecAggError): SecureAggregatorError {
    return new SecureAggregatorError(error.code, error.message);
  }
}
