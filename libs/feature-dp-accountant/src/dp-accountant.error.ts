/** The one exception class of dp-accountant, with its string codes. */
import { DomainError, type DomainErrorKind } from '@cohort/nest-common';

export enum DpAccountantErrorCode {
  /** The projection is still being rebuilt from the ledger: budget checks wait rather than under-count. */
  NotReady = 'accountant-not-ready',
  ModelPrivacyNotFound = 'model-privacy-not-found',
  PlanNotFound = 'plan-not-found',
  /** A ledger record that no correct writer produces: the ledger consumer stops on it. */
  LedgerIntegrity = 'ledger-integrity',
  /** Our own append was not seen on the ledger in time; the round is retried, never skipped. */
  AppendTimeout = 'ledger-append-timeout',
  ShuttingDown = 'accountant-shutting-down',
}

const KIND: Record<DpAccountantErrorCode, DomainErrorKind> = {
  [DpAccountantErrorCode.NotReady]: 'unavailable',
  [DpAccountantErrorCode.ModelPrivacyNotFound]: 'not-found',
  [DpAccountantErrorCode.PlanNotFound]: 'not-found',
  [DpAccountantErrorCode.LedgerIntegrity]: 'internal',
  [DpAccountantErrorCode.AppendTimeout]: 'unavailable',
  [DpAccountantErrorCode.ShuttingDown]: 'unavailable',
};

export class DpAccountantError extends DomainError<DpAccountantErrorCode> {
  constructor(code: DpAccountantErrorCode, message: string) {
    super(code, KIND[code], message);
  }
}
