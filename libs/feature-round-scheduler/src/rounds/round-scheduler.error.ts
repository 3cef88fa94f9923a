/** The one exception class of round-scheduler, with its string codes. */
import { DomainError, type DomainErrorKind } from '@cohort/nest-common';

export enum RoundSchedulerErrorCode {
  UnknownPlan = 'unknown-plan',
  RoundNotFound = 'round-not-found',
  RoundAlreadyActive = 'round-already-active',
  NoModelVersion = 'no-model-version',
  BudgetCheckFailed = 'budget-check-failed',
}

const KIND: Record<RoundSchedulerErrorCode, DomainErrorKind> = {
  [RoundSchedulerErrorCode.UnknownPlan]: 'not-found',
  [RoundSchedulerErrorCode.RoundNotFound]: 'not-found',
  [RoundSchedulerErrorCode.RoundAlreadyActive]: 'conflict',
  [RoundSchedulerErrorCode.NoModelVersion]: 'unavailable',
  [RoundSchedulerErrorCode.BudgetCheckFailed]: 'unavailable',
};

export class RoundSchedulerError extends DomainError<RoundSchedulerErrorCode> {
  constructor(code: RoundSchedulerErrorCode, message: string) {
    super(code, KIND[code], message);
  }
}
