/** The one exception class of round-scheduler, with its string codes. */
import { DomainError, type DomainErrorKind, type DomainErrorOptions } from '@cohort/nest-common';

export enum RoundSchedulerErrorCode {
  UnknownPlan = 'unknown-plan',
  RoundNotFound = 'round-not-found',
  RoundAlreadyActive = 'round-already-active',
  NoModelVersion = 'no-model-version',
  BudgetCheckFailed = 'budget-check-failed',
  InvalidPlan = 'invalid-plan',
  PlanExists = 'plan-exists',
  PlanConfigured = 'plan-configured',
  PlanMechanismLocked = 'plan-mechanism-locked',
  PlanModelLocked = 'plan-model-locked',
  NoEligibleUsers = 'no-eligible-users',
}

const KIND: Record<RoundSchedulerErrorCode, DomainErrorKind> = {
  [RoundSchedulerErrorCode.UnknownPlan]: 'not-found',
  [RoundSchedulerErrorCode.RoundNotFound]: 'not-found',
  [RoundSchedulerErrorCode.RoundAlreadyActive]: 'conflict',
  [RoundSchedulerErrorCode.NoModelVersion]: 'unavailable',
  [RoundSchedulerErrorCode.BudgetCheckFailed]: 'unavailable',
  [RoundSchedulerErrorCode.InvalidPlan]: 'invalid',
  [RoundSchedulerErrorCode.PlanExists]: 'conflict',
  [RoundSchedulerErrorCode.PlanConfigured]: 'conflict',
  [RoundSchedulerErrorCode.PlanMechanismLocked]: 'conflict',
  [RoundSchedulerErrorCode.PlanModelLocked]: 'conflict',
  [RoundSchedulerErrorCode.NoEligibleUsers]: 'conflict',
};

export class RoundSchedulerError extends DomainError<RoundSchedulerErrorCode> {
  constructor(code: RoundSchedulerErrorCode, message: string, options?: DomainErrorOptions) {
    super(code, KIND[code], message, options);
  }
}
