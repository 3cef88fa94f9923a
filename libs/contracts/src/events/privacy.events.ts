/**
 * Events of the privacy accountant (`dp-accountant`): the hash-chained ledger of charges, the
 * guarantee of each model version, and the budget caps that filter users out.
 *
 * The ledger entry is hashed as received: its schemas keep fields they do not know (`loose`), so
 * an entry written by a newer accountant still hashes to its `entryHash` when an older one reads
 * it. What exactly is hashed is specified in docs/dp-accountant.md ("Verifying the ledger").
 */
import { z } from 'zod';
import { BlobRef } from '../blob-ref';
import { ModelVersion, PlanId, RoundId, UserId } from '../ids';
import { TOPICS } from '../topics';
import { defineEvent } from './define-event';
import { RoundMechanism } from './round.events';

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (SHA-256)');
export type Sha256Hex = z.infer<typeof Sha256Hex>;

/** `previousHash` of the first entry: 64 zeros. */
export const LEDGER_GENESIS_HASH = '0'.repeat(64);

/** More eligible users than this travel as a claim check (`blob`) instead of inline `userIds`. */
export const LEDGER_MAX_INLINE_USER_IDS = 10_000;

/** Content type of the blob holding an entry's eligible users: the canonical JSON array of ids. */
export const LEDGER_USER_IDS_CONTENT_TYPE = 'application/vnd.cohort.user-ids+json';

/**
 * Who was charged for the round: every user eligible for sampling, sorted by UTF-16 code units and
 * without repeats, either inline or as the blob of their canonical JSON array (whose SHA-256 is
 * then `blob.sha256`, covered by the entry hash like everything else).
 */
export const LedgerInlineUsers = z.looseObject({ count: z.number().int().nonnegative(), userIds: z.array(UserId).max(LEDGER_MAX_INLINE_USER_IDS) });
export type LedgerInlineUsers = z.infer<typeof LedgerInlineUsers>;
export const LedgerBlobUsers = z.looseObject({ count: z.number().int().nonnegative(), blob: BlobRef.loose() });
export type LedgerBlobUsers = z.infer<typeof LedgerBlobUsers>;
export const LedgerEligibleUsers = z.union([LedgerInlineUsers, LedgerBlobUsers]);
export type LedgerEligibleUsers = z.infer<typeof LedgerEligibleUsers>;

export function isInlineUsers(users: LedgerEligibleUsers): users is LedgerInlineUsers {
  return Array.isArray(users['userIds']);
}

/** A ledger entry before it is sealed with its hash. */
export const LedgerEntryBody = z.looseObject({
  /** 1, 2, 3, … over the whole ledger, without gaps. */
  sequence: z.number().int().positive(),
  roundId: RoundId,
  planId: PlanId,
  roundNumber: z.number().int().positive(),
  /** The model version this round produced. */
  modelVersion: ModelVersion,
  /** The RoundCommitted event this entry records: audits match entries to events one to one. */
  roundCommittedEventId: z.uuid(),
  mechanism: RoundMechanism.loose(),
  cohortSize: z.number().int().nonnegative(),
  eligibleUsers: LedgerEligibleUsers,
  recordedAt: z.iso.datetime({ offset: true }),
  /** `entryHash` of the entry with sequence − 1; LEDGER_GENESIS_HASH for the first. */
  previousHash: Sha256Hex,
});
export type LedgerEntryBody = z.infer<typeof LedgerEntryBody>;

/** One ledger entry: one committed round, charged once. `entryHash` = SHA-256 of the rest, canonical JSON. */
export const LedgerEntry = LedgerEntryBody.extend({ entryHash: Sha256Hex });
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export const LedgerEntryAppended = defineEvent({
  type: 'LedgerEntryAppended',
  version: 1,
  topic: TOPICS.privacyLedger,
  payload: LedgerEntry,
  keyOf: (p) => p.planId,
});

/** Which accountant gave the reported ε: the smaller of two valid upper bounds is reported. */
export const PrivacyAccountantKind = z.enum(['rdp', 'pld']);
export type PrivacyAccountantKind = z.infer<typeof PrivacyAccountantKind>;

/**
 * The user-level (ε, δ) guarantee of a model version: the composition of every round of its plan
 * up to the one that produced it (a user eligible for all of them spends exactly this; everyone
 * else spends less). `epsilon` null: no finite guarantee (a round without noise).
 */
export const ModelPrivacyComputed = defineEvent({
  type: 'ModelPrivacyComputed',
  version: 1,
  topic: TOPICS.modelPrivacyComputed,
  payload: z.object({
    modelVersion: ModelVersion,
    planId: PlanId,
    roundId: RoundId,
    /** The ledger entry of the round that produced the version. */
    sequence: z.number().int().positive(),
    /** Rounds of the plan composed into the guarantee. */
    rounds: z.number().int().positive(),
    epsilon: z.number().nonnegative().nullable(),
    delta: z.number().gt(0).lt(1),
    accountant: PrivacyAccountantKind,
    epsilonRdp: z.number().nonnegative().nullable(),
    epsilonPld: z.number().nonnegative().nullable(),
    computedAt: z.iso.datetime({ offset: true }),
  }),
  keyOf: (p) => p.planId,
});

export const PrivacyCap = z.object({ epsilon: z.number().positive(), delta: z.number().gt(0).lt(1) });
export type PrivacyCap = z.infer<typeof PrivacyCap>;

/** A budget check filtered the user out: one more round of `mechanism` would pass their cap. */
export const UserBudgetExhausted = defineEvent({
  type: 'UserBudgetExhausted',
  version: 1,
  topic: TOPICS.userBudgetExhausted,
  payload: z.object({
    userId: UserId,
    /** The plan whose budget check filtered the user out. */
    planId: PlanId,
    mechanism: RoundMechanism,
    /** ε spent so far (RDP), rounds charged so far; null: unbounded. */
    epsilon: z.number().nonnegative().nullable(),
    roundsCharged: z.number().int().nonnegative(),
    /** ε after the refused round; null: unbounded. */
    epsilonAfterNextRound: z.number().nonnegative().nullable(),
    cap: PrivacyCap,
  }),
  keyOf: (p) => p.userId,
});

export const PlanBudgetExhaustedReason = z.enum(['all-candidates-capped', 'plan-cap']);
export type PlanBudgetExhaustedReason = z.infer<typeof PlanBudgetExhaustedReason>;

/** A budget check for the plan left nobody eligible: the plan cannot run another round. */
export const PlanBudgetExhausted = defineEvent({
  type: 'PlanBudgetExhausted',
  version: 1,
  topic: TOPICS.planBudgetExhausted,
  payload: z.object({
    planId: PlanId,
    reason: PlanBudgetExhaustedReason,
    mechanism: RoundMechanism,
    candidates: z.number().int().nonnegative(),
    roundsCommitted: z.number().int().nonnegative(),
    /** The plan's ε so far (RDP); null: unbounded. */
    epsilon: z.number().nonnegative().nullable(),
    delta: z.number().gt(0).lt(1),
    /** The plan cap, when one is configured. */
    planEpsilonCap: z.number().positive().nullable(),
  }),
  keyOf: (p) => p.planId,
});
