/** The one exception class of secure-aggregator, with its string codes. */
import { DomainError, type DomainErrorKind } from '@cohort/nest-common';

export enum SecureAggregatorErrorCode {
  RoundNotFound = 'round-not-found',
  RoundClosed = 'round-closed',
  NotInCohort = 'not-in-cohort',
  DuplicateUpdate = 'duplicate-update',
  WrongLength = 'wrong-length',
  NotOctetStream = 'not-octet-stream',
  NotFinite = 'not-finite',
  NormTooLarge = 'norm-too-large',
  InsecureInProduction = 'insecure-in-production',
}

const KIND: Record<SecureAggregatorErrorCode, DomainErrorKind> = {
  [SecureAggregatorErrorCode.RoundNotFound]: 'not-found',
  [SecureAggregatorErrorCode.RoundClosed]: 'gone',
  [SecureAggregatorErrorCode.NotInCohort]: 'forbidden',
  [SecureAggregatorErrorCode.DuplicateUpdate]: 'conflict',
  [SecureAggregatorErrorCode.WrongLength]: 'invalid',
  [SecureAggregatorErrorCode.NotOctetStream]: 'invalid',
  [SecureAggregatorErrorCode.NotFinite]: 'invalid',
  [SecureAggregatorErrorCode.NormTooLarge]: 'invalid',
  [SecureAggregatorErrorCode.InsecureInProduction]: 'internal',
};

export class SecureAggregatorError extends DomainError<SecureAggregatorErrorCode> {
  constructor(code: SecureAggregatorErrorCode, message: string) {
    super(code, KIND[code], message);
  }
}
