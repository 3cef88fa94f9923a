/**
 * HTTP bodies of dp-accountant: the scheduler's budget check before every round, and the reads of
 * compliance officers (per user, per plan, per model version, the ledger, its verification and the
 * audit report of a plan). The accountant's OpenAPI document is generated from these schemas.
 */
import { z } from 'zod';
import { ModelVersion, PlanId, RoundId, UserId } from '../ids';
import { RoundMechanism } from '../events/round.events';
import { LedgerEntry, ModelPrivacyComputed, PrivacyAccountantKind, PrivacyCap, Sha256Hex } from '../events/privacy.events';

export const BudgetCheckRequest = z
  .object({
    planId: PlanId,
    userIds: z.array(UserId).max(1_000_000),
    mechanism: RoundMechanism,
  })
  .strict();
export type BudgetCheckRequest = z.infer<typeof BudgetCheckRequest>;

export const BudgetCheckResponse = z.object({ eligibleUserIds: z.array(UserId) });
export type BudgetCheckResponse = z.infer<typeof BudgetCheckResponse>;

/** ε as JSON: a number, or null where no finite bound exists (a round without noise). */
const Epsilon = z.number().nonnegative().nullable();

/** Rounds charged under one mechanism of one plan. */
export const MechanismUsage = z.object({
  planId: PlanId,
  samplingRate: z.number(),
  noiseMultiplier: z.number(),
  rounds: z.number().int().positive(),
});
export type MechanismUsage = z.infer<typeof MechanismUsage>;

/** `GET /v1/privacy/users/{userId}`: what the user has spent over every plan (a user never charged has spent 0). */
export const UserPrivacyResponse = z.object({
  userId: UserId,
  roundsCharged: z.number().int().nonnegative(),
  /** ε at `delta` from the accountant named by `accountant` (RDP unless `?accountant=pld` was asked). */
  epsilon: Epsilon,
  delta: z.number().gt(0).lt(1),
  accountant: PrivacyAccountantKind,
  epsilonRdp: Epsilon,
  /** Present when `?accountant=pld` was asked. */
  epsilonPld: Epsilon.optional(),
  /** The per-user cap enforced by budget checks (always with the RDP ε). */
  cap: PrivacyCap,
  /** cap − ε (RDP), never below 0; null when ε is unbounded. */
  remainingEpsilon: Epsilon,
  /** Sequence of the last ledger entry that charged the user; 0 if none. */
  lastSequence: z.number().int().nonnegative(),
  mechanisms: z.array(MechanismUsage),
});
export type UserPrivacyResponse = z.infer<typeof UserPrivacyResponse>;

/** `GET /v1/privacy/plans/{planId}`: the composition of every committed round of the plan. */
export const PlanPrivacyResponse = z.object({
  planId: PlanId,
  roundsCommitted: z.number().int().nonnegative(),
  /** The smaller of the RDP and PLD bounds (both valid), named by `accountant`. */
  epsilon: Epsilon,
  delta: z.number().gt(0).lt(1),
  accountant: PrivacyAccountantKind,
  epsilonRdp: Epsilon,
  epsilonPld: Epsilon,
  mechanisms: z.array(MechanismUsage),
  lastSequence: z.number().int().nonnegative(),
  lastRoundId: RoundId.nullable(),
  latestModelVersion: ModelVersion.nullable(),
  userCap: PrivacyCap,
  planEpsilonCap: z.number().positive().nullable(),
});
export type PlanPrivacyResponse = z.infer<typeof PlanPrivacyResponse>;

/** `GET /v1/privacy/models/{modelVersion}`. */
export const ModelPrivacyResponse = ModelPrivacyComputed.payload;
export type ModelPrivacyResponse = z.infer<typeof ModelPrivacyResponse>;

/** `GET /v1/privacy/ledger` query: a page of entries in sequence order, optionally filtered. */
export const LedgerQuery = z
  .object({
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    planId: PlanId.optional(),
    /** Entries that charged this user. */
    userId: UserId.optional(),
    roundId: RoundId.optional(),
    fromSequence: z.coerce.number().int().min(1).optional(),
    toSequence: z.coerce.number().int().min(1).optional(),
  })
  .strict();
export type LedgerQuery = z.infer<typeof LedgerQuery>;

export const LedgerPage = z.object({
  offset: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  /** Entries matching the filters (all pages). */
  total: z.number().int().nonnegative(),
  entries: z.array(LedgerEntry),
});
export type LedgerPage = z.infer<typeof LedgerPage>;

export const LedgerFault = z.enum([
  'unparseable',
  'sequence-gap',
  'previous-hash-mismatch',
  'entry-hash-mismatch',
  'duplicate-round',
  'eligible-users-mismatch',
  'blob-missing',
]);
export type LedgerFault = z.infer<typeof LedgerFault>;

/** `GET /v1/privacy/ledger/verify`: the hash chain recomputed from the first entry. */
export const LedgerVerification = z.object({
  valid: z.boolean(),
  entriesChecked: z.number().int().nonnegative(),
  /** The last entry that verified, and its hash (LEDGER_GENESIS_HASH when none did). */
  headSequence: z.number().int().nonnegative(),
  headHash: Sha256Hex,
  /** The first entry that does not verify, or null. */
  firstInvalid: z
    .object({ sequence: z.number().int().positive(), roundId: z.string().nullable(), fault: LedgerFault, detail: z.string() })
    .nullable(),
});
export type LedgerVerification = z.infer<typeof LedgerVerification>;

/** One round in a plan's audit report (also the columns of its CSV form, in this order). */
export const AuditRow = z.object({
  sequence: z.number().int().positive(),
  roundId: RoundId,
  roundNumber: z.number().int().positive(),
  modelVersion: ModelVersion,
  recordedAt: z.string(),
  samplingRate: z.number(),
  noiseMultiplier: z.number(),
  clipNorm: z.number(),
  populationSize: z.number().int(),
  cohortSize: z.number().int(),
  eligibleUsers: z.number().int(),
  /** ε of this round alone at `delta` (RDP). */
  roundEpsilon: Epsilon,
  /** ε of the plan's rounds up to and including this one at `delta` (RDP). */
  cumulativeEpsilon: Epsilon,
  previousHash: Sha256Hex,
  entryHash: Sha256Hex,
});
export type AuditRow = z.infer<typeof AuditRow>;

/** `GET /v1/privacy/plans/{planId}/audit` (JSON; `?format=csv` or `Accept: text/csv` gives the rows as CSV). */
export const PlanAuditReport = z.object({
  planId: PlanId,
  generatedAt: z.string(),
  delta: z.number().gt(0).lt(1),
  plan: PlanPrivacyResponse,
  ledger: LedgerVerification,
  rounds: z.array(AuditRow),
});
export type PlanAuditReport = z.infer<typeof PlanAuditReport>;

export const AuditQuery = z.object({ format: z.enum(['json', 'csv']).optional() }).strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

export const UserPrivacyQuery = z.object({ accountant: PrivacyAccountantKind.optional() }).strict();
export type UserPrivacyQuery = z.infer<typeof UserPrivacyQuery>;
