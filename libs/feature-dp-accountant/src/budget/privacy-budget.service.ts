/**
 * The individual privacy filter: before every round the scheduler asks which candidates can
 * afford one more round of the plan's mechanism, and gets back those whose ε (RDP, at δ) after it
 * stays ≤ the per-user cap. Everyone else is filtered out and announced once per plan
 * (UserBudgetExhausted); a check that leaves nobody, or would pass the plan's own cap, announces
 * PlanBudgetExhausted.
 *
 * Never under-count: a user's ε counts every recorded charge plus every *reserved* round — a round
 * a budget check allowed that the ledger has not recorded yet (the scheduler commits a round
 * before the accountant charges it, and plans run side by side). Each check reserves its allowed
 * users under its mechanism; the reservation ends when the ledger records a round of the plan with
 * exactly that mechanism and those users (the scheduler charges what the check allowed), which
 * also ends the plan's older reservations (one round of a plan is active at a time, so their
 * rounds are over). A check whose round aborted stays reserved until the plan's next round is
 * recorded — an over-count, never an under-count. A check also refuses while the event bus reports
 * a stopped consumer: committed rounds may then be going unrecorded.
 *
 * Invariant: checks run one at a time over one consistent snapshot of the charge profiles; the
 * verdict is computed once per distinct (group, reservations) and holds for every user sharing
 * them.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import {
  BlobRef, LEDGER_USER_IDS_CONTENT_TYPE, isInlineUsers, PlanBudgetExhausted, UserBudgetExhausted,
  type LedgerEntry, type PlanBudgetExhaustedReason, type PlanId, type RoundMechanism, type UserId,
} from '@cohort/contracts';
import type { ChargeProfile } from '../accounting/charge-profiles';
import type { PlanAccount } from '../accounting/plan-account';
import { type PrivacyArithmetic, type RoundPrivacyParameters, wireEpsilon } from '../accounting/privacy-arithmetic';
import { PRIVACY_ARITHMETIC } from '../accounting/privacy-arithmetic.provider';
import { DP_ACCOUNTANT_OPTIONS, type DpAccountantOptions } from '../dp-accountant.options';
import { DpAccountantError, DpAccountantErrorCode } from '../dp-accountant.error';
import { canonicalUserIds, sha256Hex, userIdsBlobBytes } from '../ledger/ledger-chain';
import { LedgerLifecycle } from '../ledger/ledger.lifecycle';
import { LedgerProjector } from '../ledger/ledger-projector.service';
import { ProjectionRepository } from '../ledger/projection.repository';
import { Serial } from '../ledger/serial';

interface StoredReservation {
  readonly planId: PlanId;
  readonly round: RoundPrivacyParameters;
  /** SHA-256 of the allowed users' canonical JSON array: the ledger entry of the round has the same. */
  readonly digest: string;
  /** The plan's recorded rounds when the check ran (where reconciliation starts looking). */
  readonly planRoundsAtCheck: number;
  readonly users: { readonly userIds: string[] } | { readonly blob: BlobRef };
  readonly checkedAt: string;
}

interface Reservation {
  readonly stored: StoredReservation;
  readonly members: ReadonlySet<string>;
}

interface Verdict {
  readonly allowed: boolean;
  readonly profile: ChargeProfile;
  /** ε spent (recorded charges only). */
  readonly epsilon: number;
  readonly epsilonAfter: number;
}

/** SHA-256 of the canonical JSON array of canonically ordered ids (what the ledger's blob holds). */
export function userSetDigest(canonicalIds: readonly string[]): string {
  return sha256Hex(userIdsBlobBytes(canonicalIds));
}

@Injectable()
export class PrivacyBudgetService implements OnModuleInit {
  private readonly logger = new Logger(PrivacyBudgetService.name);
  private readonly serial = new Serial();
  /** Per plan, oldest first. Loaded (and reconciled with the ledger) on the first check. */
  private reservations: Map<string, Reservation[]> | undefined;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(ProjectionRepository) private readonly projection: ProjectionRepository,
    @Inject(LedgerProjector) private readonly projector: LedgerProjector,
    @Inject(LedgerLifecycle) private readonly lifecycle: LedgerLifecycle,
    @Inject(PRIVACY_ARITHMETIC) private readonly arithmetic: PrivacyArithmetic,
    @Inject(DP_ACCOUNTANT_OPTIONS) private readonly options: DpAccountantOptions,
  ) {}

  onModuleInit(): void {
    this.projector.onAccepted((entry, eligible) => {
      if (this.reservations === undefined) return; // not loaded yet: the load reconciles with the ledger
      void this.serial.run(() => this.release(entry, userSetDigest(eligible))).catch((error: unknown) => {
        this.logger.error({ err: error, roundId: entry.roundId }, 'could not release a budget reservation; it is kept (over-count) until the next restart reconciles it');
      });
    });
  }

  /** The candidates (in their order, each once) who can afford one more round of `mechanism`. */
  eligibleUsers(planId: PlanId, candidates: readonly UserId[], mechanism: RoundMechanism): Promise<UserId[]> {
    return this.serial.run(async () => {
      this.lifecycle.assertReady();
      if (!(await this.bus.isHealthy())) {
        throw new DpAccountantError(DpAccountantErrorCode.NotReady, 'the event bus reports a stopped or disconnected consumer: committed rounds may be going unrecorded, so no round is allowed until it recovers');
      }
      const reservations = await this.loadReservations();
      const unique = [...new Set(candidates)];
      const round: RoundPrivacyParameters = { samplingRate: mechanism.samplingRate, noiseMultiplier: mechanism.noiseMultiplier };
      const roundCurve = this.arithmetic.roundCurve(round);
      const pending = [...reservations.values()].flat();
      const plan = this.projector.plan(planId);

      if (this.options.planEpsilonCap !== null) {
        const own = (reservations.get(planId) ?? []).map((r) => this.arithmetic.roundCurve(r.stored.round));
        const planAfter = this.arithmetic.epsilon(this.arithmetic.add(plan.rdp, ...own, roundCurve));
        if (planAfter > this.options.planEpsilonCap) {
          await this.announcePlan(planId, 'plan-cap', mechanism, unique.length, plan);
          return [];
        }
      }

      // One synchronous pass over the in-memory index: every candidate's profile from one state;
      // users of one group with the same reservations share one verdict.
      const profiles = this.projector.profilesOf(unique);
      const verdicts = new Map<string, Verdict>();
      const keys = unique.map((userId, i) => {
        const reserved = pending.flatMap((r, j) => (r.members.has(userId) ? [j] : []));
        const key = `${profiles[i]!.group ?? ''}|${reserved.join(',')}`;
        if (!verdicts.has(key)) verdicts.set(key, this.verdict(profiles[i]!.profile, reserved.map((j) => pending[j]!), roundCurve));
        return key;
      });
      const allowed: UserId[] = [];
      const refused: Array<{ userId: UserId; verdict: Verdict }> = [];
      unique.forEach((userId, i) => {
        const verdict = verdicts.get(keys[i]!)!;
        if (verdict.allowed) allowed.push(userId);
        else refused.push({ userId, verdict });
      });

      if (allowed.length > 0) await this.reserve(planId, round, plan, allowed);
      await this.announceUsers(planId, mechanism, refused);
      if (unique.length > 0 && allowed.length === 0) await this.announcePlan(planId, 'all-candidates-capped', mechanism, unique.length, plan);
      if (refused.length > 0) this.logger.log({ planId, candidates: unique.length, allowed: allowed.length, refused: refused.length }, 'budget check filtered users at their cap');
      return allowed;
    });
  }

  /** Rounds reserved by checks and not yet recorded, per plan (oldest first). */
  async pendingReservations(): Promise<Record<string, number>> {
    const reservations = await this.serial.run(() => this.loadReservations());
    return Object.fromEntries([...reservations].map(([planId, list]) => [planId, list.length]));
  }

  private verdict(profile: ChargeProfile, reserved: readonly Reservation[], roundCurve: Float64Array): Verdict {
    const curve = this.arithmetic.add(this.arithmetic.compose(profile.mechanisms), ...reserved.map((r) => this.arithmetic.roundCurve(r.stored.round)), roundCurve);
    const epsilonAfter = this.arithmetic.epsilon(curve);
    // NaN (never expected) compares false: refused.
    return { allowed: epsilonAfter <= this.options.userEpsilonCap, profile, epsilon: this.arithmetic.countsEpsilon(profile.mechanisms), epsilonAfter };
  }

  private async loadReservations(): Promise<Map<string, Reservation[]>> {
    if (this.reservations !== undefined) return this.reservations;
    const loaded = new Map<string, Reservation[]>();
    this.reservations = loaded;
    for (const planId of await this.projection.reservedPlanIds()) {
      const raw = await this.projection.rawReservations(planId);
      const list: Reservation[] = [];
      for (const stored of raw === null ? [] : (JSON.parse(raw) as StoredReservation[])) {
        const ids = 'userIds' in stored.users ? stored.users.userIds : (JSON.parse(new TextDecoder().decode(await this.blobs.get(BlobRef.parse(stored.users.blob)))) as string[]);
        list.push({ stored, members: new Set(ids) });
      }
      loaded.set(planId, list);
      // Reconcile with what the ledger recorded since the oldest check (a crash may have lost a release).
      const since = list[0]?.stored.planRoundsAtCheck;
      if (since === undefined) continue;
      const sequences = await this.projection.planSequences(planId, since);
      for (const sequence of sequences) {
        const entry = await this.projection.entryAt(sequence);
        if (entry !== null) await this.release(entry, await this.digestOf(entry));
      }
    }
    return loaded;
  }

  private async digestOf(entry: LedgerEntry): Promise<string> {
    const users = entry.eligibleUsers;
    return isInlineUsers(users) ? userSetDigest(users.userIds) : users.blob.sha256;
  }

  /** The recorded round ends its reservation and the plan's older ones. */
  private async release(entry: LedgerEntry, digest: string): Promise<void> {
    const list = this.reservations?.get(entry.planId);
    if (list === undefined) return;
    const index = list.findIndex(
      (r) => r.stored.digest === digest && r.stored.round.samplingRate === entry.mechanism.samplingRate && r.stored.round.noiseMultiplier === entry.mechanism.noiseMultiplier,
    );
    if (index < 0) return;
    list.splice(0, index + 1);
    await this.saveReservations(entry.planId, list);
  }

  private async reserve(planId: PlanId, round: RoundPrivacyParameters, plan: PlanAccount, allowed: readonly UserId[]): Promise<void> {
    const ids = canonicalUserIds(allowed);
    const users = ids.length <= this.options.inlineUserIds
      ? { userIds: ids }
      : { blob: await this.blobs.put(userIdsBlobBytes(ids), LEDGER_USER_IDS_CONTENT_TYPE) };
    const stored: StoredReservation = { planId, round, digest: userSetDigest(ids), planRoundsAtCheck: plan.rounds, users, checkedAt: new Date().toISOString() };
    const list = this.reservations!.get(planId) ?? [];
    list.push({ stored, members: new Set(ids) });
    this.reservations!.set(planId, list);
    if (list.length > 2) this.logger.warn({ planId, reserved: list.length }, 'several checked rounds of one plan are not recorded yet; their users are charged for each until they are');
    await this.saveReservations(planId, list);
  }

  private async saveReservations(planId: PlanId, list: readonly Reservation[]): Promise<void> {
    await this.projection.saveReservations(planId, JSON.stringify(list.map((r) => r.stored)));
  }

  private async announceUsers(planId: PlanId, mechanism: RoundMechanism, refused: ReadonlyArray<{ userId: UserId; verdict: Verdict }>): Promise<void> {
    const cap = { epsilon: this.options.userEpsilonCap, delta: this.arithmetic.delta };
    for (let start = 0; start < refused.length; start += 100) {
      const batch = refused.slice(start, start + 100);
      const fresh = (await Promise.all(batch.map(async (r) => ((await this.projection.isExhaustionAnnounced(planId, r.userId)) ? null : r)))).filter((r) => r !== null);
      await Promise.all(
        fresh.map(({ userId, verdict }) =>
          this.bus.publish(UserBudgetExhausted, {
            userId, planId, mechanism,
            epsilon: wireEpsilon(verdict.epsilon),
            roundsCharged: verdict.profile.depth,
            epsilonAfterNextRound: wireEpsilon(verdict.epsilonAfter),
            cap,
          }),
        ),
      );
      // Marked after publishing: a crash in between announces twice, never not at all.
      await this.projection.markExhaustionAnnounced(planId, fresh.map((r) => r.userId));
    }
  }

  private async announcePlan(planId: PlanId, reason: PlanBudgetExhaustedReason, mechanism: RoundMechanism, candidates: number, plan: PlanAccount): Promise<void> {
    if (await this.projection.isPlanExhaustionAnnounced(planId, plan.rounds)) return;
    await this.bus.publish(PlanBudgetExhausted, {
      planId, reason, mechanism, candidates,
      roundsCommitted: plan.rounds,
      epsilon: wireEpsilon(plan.epsilonRdp),
      delta: this.arithmetic.delta,
      planEpsilonCap: this.options.planEpsilonCap,
    });
    await this.projection.markPlanExhaustionAnnounced(planId, plan.rounds);
    this.logger.warn({ planId, reason, roundsCommitted: plan.rounds }, 'plan budget exhausted: no user can afford another round');
  }
}
