/**
 * Projects the ledger topic into the key-value store: the ledger copy the REST API serves, plan
 * accounts, charge profiles (per-user accounting) and model guarantees. It is the only writer of
 * those projections, and it rebuilds them by replay: its consumer group is named by an epoch kept
 * in the store itself, so a store that lost its state starts a new group at the beginning of the
 * topic (kept forever).
 *
 * The log arbitrates appends (docs/dp-accountant.md, "Writing the ledger"): the record at
 * sequence head + 1 that links to the head becomes the next entry; a record at a sequence already
 * taken is a duplicate (same hash) or a stale proposal that lost (another hash) and changes
 * nothing. Anything else — a gap, a broken link, a wrong hash, a round recorded twice — is a
 * record no correct writer produces: the consumer throws, and its policy (stop-on-failure) stops
 * the ledger rather than skip or guess.
 *
 * Invariants: an entry's projection is applied once, guarded by its round's marker: in one atomic
 * commit, or — when it moves more users than one commit carries (a Redis script call takes some
 * 20 000 writes) — staged: the whole transition is stored first (blob store), its idempotent writes
 * (absolute user → group and group records) applied in batches, then everything else in one
 * marker-guarded commit; a restart finishes a staged entry before anything else, never recomputes
 * it. The in-memory index and head change only after the final commit; each accepted entry's model
 * guarantee is published at least once (re-published from the stored record after a crash).
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import type { WriteOp } from '@cohort/state';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import {
  LEDGER_GENESIS_HASH, LedgerEntryAppended, ModelPrivacyComputed, isInlineUsers,
  type LedgerEntry, type ModelVersion, type PlanId, type UserId,
} from '@cohort/contracts';
import { type ChargeProfile, ChargeProfileIndex } from '../accounting/charge-profiles';
import { type StoredModelPrivacy, completeModelPrivacy } from '../accounting/model-privacy';
import { type PlanAccount, advancePlan, atDelta, emptyPlan, withPld } from '../accounting/plan-account';
import { wireEpsilon, type PrivacyArithmetic } from '../accounting/privacy-arithmetic';
import { PRIVACY_ARITHMETIC } from '../accounting/privacy-arithmetic.provider';
import { DpAccountantError, DpAccountantErrorCode } from '../dp-accountant.error';
import { entryHashOf, isCanonicalOrder } from './ledger-chain';
import { type LedgerHead, ProjectionRepository, entryOps } from './projection.repository';
import { Serial } from './serial';

/** What became of one record of the ledger topic. */
export type RecordOutcome = 'accepted' | 'duplicate' | 'rejected';

export interface RecordReport {
  readonly eventId: string;
  readonly sequence: number;
  readonly roundId: string;
  readonly outcome: RecordOutcome;
}

/** What an append waited for: its own record's fate, or another record taking its sequence. */
export type AppendOutcome = RecordOutcome | 'superseded';

/** Told of every entry the projection accepts, with its canonical eligible users. */
export type AcceptedEntryListener = (entry: LedgerEntry, eligibleUserIds: readonly string[]) => void;

/** Writes per commit: well under what one Redis script call takes. */
export const MAX_WRITES_PER_COMMIT = 5_000;

const TRANSITION_CONTENT_TYPE = 'application/vnd.cohort.projection-transition+json';

const integrity = (message: string) => new DpAccountantError(DpAccountantErrorCode.LedgerIntegrity, message);

@Injectable()
export class LedgerProjector {
  private readonly logger = new Logger(LedgerProjector.name);
  private readonly index = new ChargeProfileIndex();
  private readonly plans = new Map<string, PlanAccount>();
  private readonly serial = new Serial();
  private readonly listeners = new Set<(report: RecordReport) => void>();
  private readonly acceptedListeners: AcceptedEntryListener[] = [];
  private headState: LedgerHead = { sequence: 0, entryHash: LEDGER_GENESIS_HASH };
  /** False while the start-up replay runs (see goLive). */
  private live = false;
  private lastActivity = Date.now();
  private stopping = false;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(ProjectionRepository) private readonly projection: ProjectionRepository,
    @Inject(PRIVACY_ARITHMETIC) private readonly arithmetic: PrivacyArithmetic,
  ) {}

  /** Loads the projection and starts consuming the ledger topic (replaying what the store lacks). */
  async start(): Promise<void> {
    const epoch = await this.projection.epoch(randomUUID());
    await this.finishStaged();
    this.headState = await this.projection.head();
    const { userGroups, groups } = await this.projection.allProfiles();
    this.index.load(userGroups, groups);
    for (const planId of await this.projection.planIds()) {
      const plan = await this.projection.plan(planId);
      if (plan !== null) this.plans.set(planId, atDelta(plan, this.arithmetic));
    }
    this.logger.log({ epoch, head: this.headState.sequence, users: this.index.users, groups: this.index.groupCount }, 'ledger projection loaded');
    // Failure policy: stop-on-failure — the ledger is ordered; a record that does not fit stops it.
    await this.bus.subscribe(LedgerEntryAppended, ({ payload, eventId }) => this.onRecord(payload, eventId), {
      group: `dp-accountant.ledger-projection.${epoch}`,
      policy: 'stop-on-failure',
    });
    this.lastActivity = Date.now();
  }

  /** Resolves once no ledger record has arrived for `quietMs` (the replay has caught up). */
  async caughtUp(quietMs: number): Promise<void> {
    while (!this.stopping && Date.now() - this.lastActivity < quietMs) {
      await new Promise((r) => setTimeout(r, Math.min(50, quietMs)));
    }
  }

  /** Rejects pending appends at once; the bus closes the subscription afterwards. */
  stop(): void {
    this.stopping = true;
    for (const listener of [...this.listeners]) listener({ eventId: '', sequence: Number.MAX_SAFE_INTEGER, roundId: '', outcome: 'rejected' });
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  onAccepted(listener: AcceptedEntryListener): void {
    this.acceptedListeners.push(listener);
  }

  head(): LedgerHead {
    return this.headState;
  }

  /** Users' groups and profiles from the in-memory index (synchronous: one consistent state). */
  profilesOf(userIds: readonly UserId[]): Array<{ readonly group: string | undefined; readonly profile: ChargeProfile }> {
    return userIds.map((userId) => ({ group: this.index.groupOf(userId), profile: this.index.profileOf(userId) }));
  }

  plan(planId: PlanId): PlanAccount {
    return this.plans.get(planId) ?? emptyPlan(planId, this.arithmetic);
  }

  /**
   * Publishes a proposal (through `publish`) and waits for the ledger to decide on it: its own
   * record accepted, a duplicate, rejected, or another record taking its sequence first.
   */
  awaitAppend(proposal: { readonly eventId: string; readonly entry: LedgerEntry }, publish: () => Promise<unknown>, timeoutMs: number): Promise<AppendOutcome> {
    if (this.stopping) return Promise.reject(new DpAccountantError(DpAccountantErrorCode.ShuttingDown, 'the accountant is shutting down'));
    if (this.headState.sequence >= proposal.entry.sequence) return Promise.resolve('superseded');
    return new Promise<AppendOutcome>((resolve, reject) => {
      const done = (outcome: AppendOutcome | Error) => {
        this.listeners.delete(listener);
        clearTimeout(timer);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const listener = (report: RecordReport) => {
        if (this.stopping) done(new DpAccountantError(DpAccountantErrorCode.ShuttingDown, 'the accountant is shutting down; the round will be recorded after the restart'));
        else if (report.eventId === proposal.eventId) done(report.outcome);
        else if (report.outcome === 'accepted' && report.sequence >= proposal.entry.sequence) done('superseded');
      };
      const timer = setTimeout(
        () => done(new DpAccountantError(DpAccountantErrorCode.AppendTimeout, `ledger entry ${proposal.entry.sequence} (round ${proposal.entry.roundId}) did not come back from the ledger topic within ${timeoutMs} ms; it will be retried (check that the ledger consumer is healthy)`)),
        timeoutMs,
      );
      this.listeners.add(listener);
      publish().catch((error: unknown) => done(error instanceof Error ? error : new Error(String(error))));
    });
  }

  private onRecord(entry: LedgerEntry, eventId: string): Promise<void> {
    return this.serial.run(async () => {
      this.lastActivity = Date.now();
      const outcome = await this.project(entry);
      this.lastActivity = Date.now();
      const report: RecordReport = { eventId, sequence: entry.sequence, roundId: entry.roundId, outcome };
      for (const listener of [...this.listeners]) listener(report);
      if (outcome !== 'rejected') await this.publishModelPrivacy(entry.modelVersion);
    });
  }

  private async project(entry: LedgerEntry): Promise<RecordOutcome> {
    const head = this.headState;
    if (entry.sequence <= head.sequence) {
      const stored = await this.projection.entryAt(entry.sequence);
      if (stored?.entryHash === entry.entryHash) return 'duplicate';
      this.logger.warn({ sequence: entry.sequence, roundId: entry.roundId }, 'a stale ledger proposal lost to the entry already at its sequence; it changes nothing');
      return 'rejected';
    }
    if (entry.sequence !== head.sequence + 1) {
      throw integrity(`ledger record ${entry.sequence} (round ${entry.roundId}) follows entry ${head.sequence}: a gap no writer produces`);
    }
    if (entry.previousHash !== head.entryHash) {
      throw integrity(`ledger record ${entry.sequence} (round ${entry.roundId}) links to ${entry.previousHash}, but entry ${head.sequence} hashes to ${head.entryHash}`);
    }
    if (entryHashOf(entry) !== entry.entryHash) {
      throw integrity(`ledger record ${entry.sequence} (round ${entry.roundId}) does not hash to the entryHash it carries`);
    }
    const eligible = await this.eligibleUsersOf(entry);
    const round = { samplingRate: entry.mechanism.samplingRate, noiseMultiplier: entry.mechanism.noiseMultiplier };
    const transition = this.index.plan(entry.sequence, eligible, entry.planId, round);
    // While replaying, the PLD bounds (hundreds of ms each) wait: computed later, the same numbers.
    const plan = advancePlan(this.plan(entry.planId), entry, this.arithmetic, this.live);
    const modelPrivacy: StoredModelPrivacy = {
      modelVersion: entry.modelVersion,
      planId: entry.planId,
      roundId: entry.roundId,
      sequence: entry.sequence,
      rounds: plan.rounds,
      delta: this.arithmetic.delta,
      epsilonRdp: wireEpsilon(plan.epsilonRdp),
      mechanisms: plan.mechanisms,
      ...(plan.epsilonPld === undefined ? {} : { epsilonPld: wireEpsilon(plan.epsilonPld) }),
      computedAt: new Date().toISOString(),
    };
    const sets = [
      ...[...transition.groups].map(([groupId, record]) => entryOps.group(groupId, record)),
      ...transition.moves.map(([userId, groupId]) => entryOps.move(userId, groupId)),
    ];
    const final = [
      ...entryOps.entry(entry),
      entryOps.plan(plan),
      entryOps.model(modelPrivacy),
      ...transition.charged.map((groupId) => entryOps.charged(groupId, entry.sequence)),
    ];
    const committed = sets.length + final.length <= MAX_WRITES_PER_COMMIT
      ? await this.projection.commitEntry(entry.roundId, [...final, ...sets])
      : await this.applyStaged(entry, sets, final);
    if (!committed) {
      throw integrity(`ledger record ${entry.sequence} records round ${entry.roundId}, which an earlier entry already recorded`);
    }
    this.index.apply(transition);
    this.plans.set(entry.planId, plan);
    this.headState = { sequence: entry.sequence, entryHash: entry.entryHash };
    for (const listener of this.acceptedListeners) listener(entry, eligible);
    this.logger.log(
      { roundId: entry.roundId, planId: entry.planId, sequence: entry.sequence, charged: eligible.length, planEpsilonRdp: modelPrivacy.epsilonRdp },
      'round recorded in the ledger',
    );
    return 'accepted';
  }

  /** Stores the transition, applies its idempotent writes in batches, then the rest at once. */
  private async applyStaged(entry: LedgerEntry, sets: readonly WriteOp[], final: readonly WriteOp[]): Promise<boolean> {
    if (await this.projection.isRecorded(entry.roundId)) return false; // before any write: the caller reports it
    const transition = await this.blobs.put(new TextEncoder().encode(JSON.stringify({ sets, final })), TRANSITION_CONTENT_TYPE);
    await this.projection.stage({ sequence: entry.sequence, roundId: entry.roundId, transition });
    this.logger.log({ sequence: entry.sequence, writes: sets.length }, 'large ledger entry: projecting it in batches');
    return this.finishStaged();
  }

  /** Finishes a staged entry (at start, after a crash in the middle of one). */
  private async finishStaged(): Promise<boolean> {
    const staged = await this.projection.staged();
    if (staged === null) return false;
    const { sets, final } = JSON.parse(new TextDecoder().decode(await this.blobs.get(staged.transition))) as { sets: WriteOp[]; final: WriteOp[] };
    for (let i = 0; i < sets.length; i += MAX_WRITES_PER_COMMIT) await this.projection.applyWrites(sets.slice(i, i + MAX_WRITES_PER_COMMIT));
    if (!(await this.projection.commitEntry(staged.roundId, [...final, entryOps.unstage()]))) {
      throw integrity(`the staged projection of entry ${staged.sequence} cannot be committed: round ${staged.roundId} is recorded already; delete the accountant's keys (cohort:dp-accountant:*) and restart it to rebuild them from the ledger`);
    }
    return true;
  }

  private async eligibleUsersOf(entry: LedgerEntry): Promise<string[]> {
    const users = entry.eligibleUsers;
    let ids: string[];
    if (isInlineUsers(users)) ids = users.userIds;
    else {
      const bytes = await this.blobs.get(users.blob); // verified against the ref's length and SHA-256
      const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
      if (!Array.isArray(parsed) || !parsed.every((id) => typeof id === 'string')) throw integrity(`the eligible users of entry ${entry.sequence} are not a JSON array of ids`);
      ids = parsed as string[];
    }
    if (ids.length !== users.count || !isCanonicalOrder(ids)) {
      throw integrity(`entry ${entry.sequence} lists its ${users.count} eligible users inconsistently (count, order or repeats)`);
    }
    return ids;
  }

  /**
   * Ends the replay: from now on PLD bounds are computed as entries arrive. Completes each plan's
   * account and its latest version's guarantee, and publishes that guarantee unless it was (the
   * versions before it were published when they were recorded, or are answered on request).
   */
  goLive(): Promise<void> {
    return this.serial.run(async () => {
      this.live = true;
      for (const [planId, plan] of this.plans) {
        if (plan.epsilonPld !== undefined) continue;
        const complete = withPld(plan, this.arithmetic);
        await this.projection.savePlan(complete);
        this.plans.set(planId, complete);
      }
      for (const plan of this.plans.values()) {
        if (plan.latestModelVersion !== null) await this.publishModelPrivacy(plan.latestModelVersion);
      }
    });
  }

  /** Publishes a version's guarantee once it is stored, unless that was done already (live only). */
  private async publishModelPrivacy(modelVersion: ModelVersion): Promise<void> {
    if (!this.live || (await this.projection.isModelPrivacyPublished(modelVersion))) return;
    const stored = await this.projection.modelPrivacy(modelVersion);
    if (stored === null) return;
    const privacy = completeModelPrivacy(stored, this.arithmetic);
    if (stored.epsilonPld === undefined) await this.projection.saveModelPrivacy({ ...stored, epsilonPld: privacy.epsilonPld });
    await this.bus.publish(ModelPrivacyComputed, privacy, { correlationId: privacy.roundId });
    await this.projection.markModelPrivacyPublished(modelVersion);
  }
}
