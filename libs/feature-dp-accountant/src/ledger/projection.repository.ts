/**
 * The accountant's projections in the key-value store (Redis in distributed mode), all rebuilt
 * from the ledger topic when lost: the ledger entries and their head, the round → entry index,
 * plan accounts, charge profiles (users → groups → profiles), model guarantees, budget reservations.
 *
 * Invariant: everything one ledger entry changes is written by ONE `commit`, guarded by the
 * round's marker (`ledger:recorded:<roundId>`), so an entry is projected entirely or not at all,
 * and never twice.
 */
import { Inject, Injectable } from '@nestjs/common';
import { LEDGER_GENESIS_HASH, type BlobRef, type LedgerEntry, type ModelVersion, type PlanId, type RoundId, type UserId } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore, type WriteOp } from '@cohort/state';
import type { GroupRecord } from '../accounting/charge-profiles';
import type { StoredModelPrivacy } from '../accounting/model-privacy';
import type { PlanAccount } from '../accounting/plan-account';
import { decodePlan, encodePlan } from '../accounting/plan-account';

export const KEYS = {
  epoch: 'projection:epoch',
  head: 'ledger:head',
  entries: 'ledger:entries',
  roundSequence: 'ledger:round-sequence',
  recorded: (roundId: string) => `ledger:recorded:${roundId}`,
  outbox: 'ledger:outbox',
  staged: 'projection:staged',
  plans: 'plans',
  plan: (planId: string) => `plan:${planId}`,
  planSequences: (planId: string) => `plan:${planId}:sequences`,
  userGroup: 'profiles:user-group',
  groups: 'profiles:groups',
  groupSequences: (groupId: string) => `profiles:group:${groupId}:sequences`,
  model: (modelVersion: string) => `model:${modelVersion}`,
  modelPublished: (modelVersion: string) => `model:${modelVersion}:published`,
  reservation: (planId: string) => `budget:reservations:${planId}`,
  reservedPlans: 'budget:reserved-plans',
  exhausted: (planId: string) => `budget:exhausted:${planId}`,
  planExhausted: (planId: string, rounds: number) => `budget:plan-exhausted:${planId}:${rounds}`,
} as const;

export interface LedgerHead {
  readonly sequence: number;
  readonly entryHash: string;
}

/** An append in flight: kept until the ledger shows it, so a restart re-sends the same record. */
/** A projection too large for one commit, being applied in batches (see LedgerProjector). */
export interface StagedProjection {
  readonly sequence: number;
  readonly roundId: RoundId;
  /** JSON `{ sets: WriteOp[], final: WriteOp[] }` in the blob store. */
  readonly transition: BlobRef;
}

export interface PendingAppend {
  readonly eventId: string;
  readonly entry: LedgerEntry;
}

@Injectable()
export class ProjectionRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  /** Names this projection's consumer group: a store that lost its state gets a new one and replays. */
  async epoch(candidate: string): Promise<string> {
    await this.store.set(KEYS.epoch, candidate, { ifAbsent: true });
    return (await this.store.get(KEYS.epoch))!;
  }

  async head(): Promise<LedgerHead> {
    const raw = await this.store.get(KEYS.head);
    return raw === null ? { sequence: 0, entryHash: LEDGER_GENESIS_HASH } : (JSON.parse(raw) as LedgerHead);
  }

  async isRecorded(roundId: RoundId): Promise<boolean> {
    return (await this.store.get(KEYS.recorded(roundId))) !== null;
  }

  async sequenceOfRound(roundId: RoundId): Promise<number | null> {
    const raw = await this.store.hashGet(KEYS.roundSequence, roundId);
    return raw === null ? null : Number(raw);
  }

  async entryCount(): Promise<number> {
    return this.store.listLength(KEYS.entries);
  }

  /** Raw stored entries from index `start` (0-based), at most `count`. */
  async rawEntries(start: number, count: number): Promise<string[]> {
    if (count <= 0) return [];
    return this.store.listRange(KEYS.entries, start, start + count - 1);
  }

  async entryAt(sequence: number): Promise<LedgerEntry | null> {
    const [raw] = await this.store.listRange(KEYS.entries, sequence - 1, sequence - 1);
    return raw === undefined ? null : (JSON.parse(raw) as LedgerEntry);
  }

  async pendingAppend(): Promise<PendingAppend | null> {
    const raw = await this.store.get(KEYS.outbox);
    return raw === null ? null : (JSON.parse(raw) as PendingAppend);
  }

  async savePendingAppend(pending: PendingAppend): Promise<void> {
    await this.store.set(KEYS.outbox, JSON.stringify(pending));
  }

  async planIds(): Promise<PlanId[]> {
    return (await this.store.setMembers(KEYS.plans)) as PlanId[];
  }

  async plan(planId: PlanId): Promise<PlanAccount | null> {
    const raw = await this.store.get(KEYS.plan(planId));
    return raw === null ? null : decodePlan(raw);
  }

  /** The sequences of a plan's entries, ascending, from index `start` (0-based) to the end. */
  async planSequences(planId: PlanId, start = 0): Promise<number[]> {
    return (await this.store.listRange(KEYS.planSequences(planId), start, -1)).map(Number);
  }

  async allProfiles(): Promise<{ userGroups: Record<string, string>; groups: Record<string, GroupRecord> }> {
    const [userGroups, rawGroups] = await Promise.all([this.store.hashGetAll(KEYS.userGroup), this.store.hashGetAll(KEYS.groups)]);
    const groups: Record<string, GroupRecord> = {};
    for (const [groupId, raw] of Object.entries(rawGroups)) groups[groupId] = JSON.parse(raw) as GroupRecord;
    return { userGroups, groups };
  }

  async groupOfUser(userId: UserId): Promise<string | null> {
    return this.store.hashGet(KEYS.userGroup, userId);
  }

  async group(groupId: string): Promise<GroupRecord | null> {
    const raw = await this.store.hashGet(KEYS.groups, groupId);
    return raw === null ? null : (JSON.parse(raw) as GroupRecord);
  }

  /** The entries a group was charged for itself (after it split from its origin), indices `start` to `stop` inclusive. */
  async groupSequences(groupId: string, start: number, stop: number): Promise<number[]> {
    return (await this.store.listRange(KEYS.groupSequences(groupId), start, stop)).map(Number);
  }

  async modelPrivacy(modelVersion: ModelVersion): Promise<StoredModelPrivacy | null> {
    const raw = await this.store.get(KEYS.model(modelVersion));
    return raw === null ? null : (JSON.parse(raw) as StoredModelPrivacy);
  }

  async saveModelPrivacy(privacy: StoredModelPrivacy): Promise<void> {
    await this.store.commit([entryOps.model(privacy)]);
  }

  async savePlan(plan: PlanAccount): Promise<void> {
    await this.store.commit([entryOps.plan(plan)]);
  }

  async isModelPrivacyPublished(modelVersion: ModelVersion): Promise<boolean> {
    return (await this.store.get(KEYS.modelPublished(modelVersion))) !== null;
  }

  async markModelPrivacyPublished(modelVersion: ModelVersion): Promise<void> {
    await this.store.set(KEYS.modelPublished(modelVersion), '1');
  }

  /**
   * Writes charge profiles in bulk, in batches (benchmarks and tests that need a large population
   * without recording its rounds one by one). Not atomic as a whole: never on a live projection.
   */
  async bulkLoadProfiles(
    groups: ReadonlyMap<string, GroupRecord>,
    userGroups: Iterable<readonly [userId: string, groupId: string]>,
    ownSequences: ReadonlyMap<string, readonly number[]>,
    batch = 5_000,
  ): Promise<void> {
    let ops: WriteOp[] = [];
    let weight = 0;
    const flush = async () => {
      if (ops.length > 0) await this.store.commit(ops);
      ops = [];
      weight = 0;
    };
    const add = async (op: WriteOp) => {
      ops.push(op);
      weight += op.op === 'listPush' ? op.values.length : 1;
      if (weight >= batch) await flush();
    };
    for (const [groupId, record] of groups) await add(entryOps.group(groupId, record));
    for (const [groupId, sequences] of ownSequences) {
      for (let i = 0; i < sequences.length; i += batch) await add({ op: 'listPush', key: KEYS.groupSequences(groupId), values: sequences.slice(i, i + batch).map(String) });
    }
    for (const [userId, groupId] of userGroups) await add(entryOps.move(userId, groupId));
    await flush();
  }

  /** Applies everything one entry changes, once: false when the round was already recorded. */
  commitEntry(roundId: RoundId, ops: readonly WriteOp[]): Promise<boolean> {
    return this.store.commit(ops, { unlessExists: KEYS.recorded(roundId) });
  }

  /** Idempotent writes (absolute values) applied ahead of a staged entry's final commit. */
  async applyWrites(ops: readonly WriteOp[]): Promise<void> {
    await this.store.commit(ops);
  }

  async staged(): Promise<StagedProjection | null> {
    const raw = await this.store.get(KEYS.staged);
    return raw === null ? null : (JSON.parse(raw) as StagedProjection);
  }

  async stage(staged: StagedProjection): Promise<void> {
    await this.store.set(KEYS.staged, JSON.stringify(staged));
  }

  // ---- budget bookkeeping ----

  async rawReservations(planId: PlanId): Promise<string | null> {
    return this.store.get(KEYS.reservation(planId));
  }

  async reservedPlanIds(): Promise<PlanId[]> {
    return (await this.store.setMembers(KEYS.reservedPlans)) as PlanId[];
  }

  async saveReservations(planId: PlanId, raw: string): Promise<void> {
    await this.store.commit([
      { op: 'set', key: KEYS.reservation(planId), value: raw },
      { op: 'setAdd', key: KEYS.reservedPlans, members: [planId] },
    ]);
  }

  async isExhaustionAnnounced(planId: PlanId, userId: UserId): Promise<boolean> {
    return this.store.setIsMember(KEYS.exhausted(planId), userId);
  }

  async markExhaustionAnnounced(planId: PlanId, userIds: readonly UserId[]): Promise<void> {
    if (userIds.length > 0) await this.store.commit([{ op: 'setAdd', key: KEYS.exhausted(planId), members: userIds }]);
  }

  async isPlanExhaustionAnnounced(planId: PlanId, rounds: number): Promise<boolean> {
    return (await this.store.get(KEYS.planExhausted(planId, rounds))) !== null;
  }

  async markPlanExhaustionAnnounced(planId: PlanId, rounds: number): Promise<void> {
    await this.store.set(KEYS.planExhausted(planId, rounds), '1');
  }
}

/** The writes of one ledger entry's projection (applied by `commitEntry`). */
export const entryOps = {
  entry: (entry: LedgerEntry): WriteOp[] => [
    { op: 'listPush', key: KEYS.entries, values: [JSON.stringify(entry)] },
    { op: 'set', key: KEYS.head, value: JSON.stringify({ sequence: entry.sequence, entryHash: entry.entryHash } satisfies LedgerHead) },
    { op: 'hashSet', key: KEYS.roundSequence, field: entry.roundId, value: String(entry.sequence) },
    { op: 'listPush', key: KEYS.planSequences(entry.planId), values: [String(entry.sequence)] },
    { op: 'setAdd', key: KEYS.plans, members: [entry.planId] },
  ],
  plan: (plan: PlanAccount): WriteOp => ({ op: 'set', key: KEYS.plan(plan.planId), value: encodePlan(plan) }),
  unstage: (): WriteOp => ({ op: 'delete', key: KEYS.staged }),
  move: (userId: string, groupId: string): WriteOp => ({ op: 'hashSet', key: KEYS.userGroup, field: userId, value: groupId }),
  group: (groupId: string, record: GroupRecord): WriteOp => ({ op: 'hashSet', key: KEYS.groups, field: groupId, value: JSON.stringify(record) }),
  charged: (groupId: string, sequence: number): WriteOp => ({ op: 'listPush', key: KEYS.groupSequences(groupId), values: [String(sequence)] }),
  model: (privacy: StoredModelPrivacy): WriteOp => ({ op: 'set', key: KEYS.model(privacy.modelVersion), value: JSON.stringify(privacy) }),
};
