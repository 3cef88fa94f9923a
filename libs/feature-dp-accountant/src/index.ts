/** @cohort/feature-dp-accountant — the privacy ledger and compliance API (dp-accountant's domain). */
export { DpAccountantModule } from './dp-accountant.module';
export { LedgerService } from './ledger/ledger.service';
export type { LedgerEntry } from './ledger/ledger.repository';
