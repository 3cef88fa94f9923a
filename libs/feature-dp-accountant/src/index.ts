/** @cohort/feature-dp-accountant — the privacy ledger, accounting, caps and compliance API (dp-accountant's domain). */
export { DpAccountantModule } from './dp-accountant.module';
export { dpAccountantConfigShape, dpAccountantOptionsFromConfig, DP_ACCOUNTANT_OPTIONS, type DpAccountantOptions } from './dp-accountant.options';
export { DpAccountantError, DpAccountantErrorCode } from './dp-accountant.error';
export { PrivacyBudgetService } from './budget/privacy-budget.service';
export { PrivacyQueryService } from './privacy/privacy-query.service';
export { LedgerLifecycle } from './ledger/ledger.lifecycle';
export { canonicalJson } from './ledger/canonical-json';
export { entryHashOf, sealEntry, verifyLedger, LedgerChainVerifier } from './ledger/ledger-chain';
export { privacyOpenApiDocument } from './privacy/openapi.document';
export { ProjectionRepository } from './ledger/projection.repository';
export { PrivacyArithmetic, type MechanismCount } from './accounting/privacy-arithmetic';
export { EMPTY_PROFILE, type ChargeProfile, type GroupRecord } from './accounting/charge-profiles';
