/**
 * The reads of compliance officers, answered from the projections in the key-value store (any
 * replica can answer them): a user's spend (two lookups and an immutable node: O(1) in the number
 * of users and rounds), a plan's composition, a model version's guarantee, pages of the ledger,
 * the verification of its hash chain, and a plan's audit report.
 *
 * Invariant: nothing here writes; a projection that references something it does not hold is
 * reported as an internal error, never answered with a guess.
 */
import { Inject, Injectable } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import {
  isInlineUsers, type AuditRow, type LedgerEntry, type LedgerPage, type LedgerQuery, type LedgerVerification, type ModelPrivacyResponse,
  type ModelVersion, type PlanAuditReport, type PlanId, type PlanPrivacyResponse, type PrivacyAccountantKind, type RoundId,
  type UserId, type UserPrivacyResponse,
} from '@cohort/contracts';
import { type ChargeProfile, EMPTY_PROFILE, type GroupRecord, chargedSequences } from '../accounting/charge-profiles';
import { completeModelPrivacy } from '../accounting/model-privacy';
import { atDelta, bestBound, emptyPlan, withPld } from '../accounting/plan-account';
import { type PrivacyArithmetic, wireEpsilon } from '../accounting/privacy-arithmetic';
import { PRIVACY_ARITHMETIC } from '../accounting/privacy-arithmetic.provider';
import { DP_ACCOUNTANT_OPTIONS, type DpAccountantOptions } from '../dp-accountant.options';
import { DpAccountantError, DpAccountantErrorCode } from '../dp-accountant.error';
import { LedgerChainVerifier } from '../ledger/ledger-chain';
import { ProjectionRepository } from '../ledger/projection.repository';

const PAGE = 500;

const damaged = (what: string) =>
  new DpAccountantError(DpAccountantErrorCode.LedgerIntegrity, `the privacy projection is damaged (${what}); delete the accountant's keys (cohort:dp-accountant:*) and restart it: it rebuilds them from the ledger topic`);

@Injectable()
export class PrivacyQueryService {
  constructor(
    @Inject(ProjectionRepository) private readonly projection: ProjectionRepository,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(PRIVACY_ARITHMETIC) private readonly arithmetic: PrivacyArithmetic,
    @Inject(DP_ACCOUNTANT_OPTIONS) private readonly options: DpAccountantOptions,
  ) {}

  private get cap() {
    return { epsilon: this.options.userEpsilonCap, delta: this.arithmetic.delta };
  }

  /** A user's group (null: never charged): user → group, two lookups. */
  private async groupOfUser(userId: UserId): Promise<{ id: string; record: GroupRecord } | null> {
    const groupId = await this.projection.groupOfUser(userId);
    if (groupId === null) return null;
    const record = await this.projection.group(groupId);
    if (record === null) throw damaged(`user ${userId} is in group ${groupId}, which is not stored`);
    return { id: groupId, record };
  }

  async user(userId: UserId, accountant: PrivacyAccountantKind = 'rdp'): Promise<UserPrivacyResponse> {
    const profile: ChargeProfile = (await this.groupOfUser(userId))?.record.profile ?? EMPTY_PROFILE;
    const epsilonRdp = this.arithmetic.countsEpsilon(profile.mechanisms);
    const base = {
      userId,
      roundsCharged: profile.depth,
      delta: this.arithmetic.delta,
      epsilonRdp: wireEpsilon(epsilonRdp),
      cap: this.cap,
      remainingEpsilon: Number.isFinite(epsilonRdp) ? Math.max(0, this.options.userEpsilonCap - epsilonRdp) : null,
      lastSequence: profile.lastSequence,
      mechanisms: [...profile.mechanisms],
    };
    if (accountant === 'rdp') return { ...base, epsilon: wireEpsilon(epsilonRdp), accountant: 'rdp' };
    const epsilonPld = this.arithmetic.pldEpsilon(profile.mechanisms);
    return { ...base, epsilon: wireEpsilon(epsilonPld), accountant: 'pld', epsilonPld: wireEpsilon(epsilonPld) };
  }

  async plan(planId: PlanId): Promise<PlanPrivacyResponse> {
    const stored = await this.projection.plan(planId);
    const plan = withPld(stored === null ? emptyPlan(planId, this.arithmetic) : atDelta(stored, this.arithmetic), this.arithmetic);
    const best = bestBound(plan.epsilonRdp, plan.epsilonPld);
    return {
      planId,
      roundsCommitted: plan.rounds,
      epsilon: wireEpsilon(best.epsilon),
      delta: this.arithmetic.delta,
      accountant: best.accountant,
      epsilonRdp: wireEpsilon(plan.epsilonRdp),
      epsilonPld: wireEpsilon(plan.epsilonPld),
      mechanisms: plan.mechanisms.map((m) => ({ planId, samplingRate: m.samplingRate, noiseMultiplier: m.noiseMultiplier, rounds: m.rounds })),
      lastSequence: plan.lastSequence,
      lastRoundId: plan.lastRoundId,
      latestModelVersion: plan.latestModelVersion,
      userCap: this.cap,
      planEpsilonCap: this.options.planEpsilonCap,
    };
  }

  async model(modelVersion: ModelVersion): Promise<ModelPrivacyResponse> {
    const stored = await this.projection.modelPrivacy(modelVersion);
    if (stored === null) {
      throw new DpAccountantError(DpAccountantErrorCode.ModelPrivacyNotFound, `no committed round produced model version ${modelVersion} (initial versions carry no privacy cost); see GET /v1/privacy/ledger`);
    }
    return completeModelPrivacy(stored, this.arithmetic);
  }

  async ledger(query: LedgerQuery): Promise<LedgerPage> {
    const count = await this.projection.entryCount();
    const low = Math.max(1, query.fromSequence ?? 1);
    const high = Math.min(count, query.toSequence ?? count);
    let sequences: number[] | null = null; // null: every sequence in [low, high]
    const narrow = (allowed: readonly number[]) => {
      const set = new Set(allowed);
      sequences = (sequences ?? allowed).filter((s) => set.has(s));
    };
    if (query.roundId !== undefined) {
      const sequence = await this.projection.sequenceOfRound(query.roundId);
      narrow(sequence === null ? [] : [sequence]);
    }
    if (query.userId !== undefined) narrow(await this.sequencesOfUser(query.userId));
    if (query.planId !== undefined) narrow(await this.projection.planSequences(query.planId));
    let entries: LedgerEntry[];
    let total: number;
    if (sequences === null) {
      total = Math.max(0, high - low + 1);
      const start = low - 1 + query.offset;
      entries = (await this.projection.rawEntries(start, Math.min(query.limit, total - query.offset))).map((raw) => JSON.parse(raw) as LedgerEntry);
    } else {
      const inRange = (sequences as number[]).filter((s) => s >= low && s <= high).sort((a, b) => a - b);
      total = inRange.length;
      entries = [];
      for (const sequence of inRange.slice(query.offset, query.offset + query.limit)) {
        const entry = await this.projection.entryAt(sequence);
        if (entry === null) throw damaged(`entry ${sequence} is indexed but not stored`);
        entries.push(entry);
      }
    }
    return { offset: query.offset, limit: query.limit, total, entries };
  }

  /** Sequences of the entries that charged the user, ascending: their group's, after its origins'. */
  private async sequencesOfUser(userId: UserId): Promise<number[]> {
    const group = await this.groupOfUser(userId);
    if (group === null) return [];
    try {
      return await chargedSequences(group.id, group.record.profile.depth, {
        record: (groupId) => this.projection.group(groupId),
        own: (groupId, count) => this.projection.groupSequences(groupId, 0, count - 1),
      });
    } catch (error) {
      throw damaged((error as Error).message);
    }
  }

  /**
   * Recomputes the whole chain from entry 1 and checks that every eligible-users blob is stored;
   * `onVerified` sees each entry that passed, in ledger order.
   */
  async verify(onVerified?: (entry: LedgerEntry) => void): Promise<LedgerVerification> {
    const verifier = new LedgerChainVerifier();
    const count = await this.projection.entryCount();
    scan: for (let start = 0; start < count; start += PAGE) {
      for (const raw of await this.projection.rawEntries(start, PAGE)) {
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          value = raw;
        }
        const entry = verifier.push(value);
        if (entry === null) break scan;
        const users = entry.eligibleUsers;
        if (!isInlineUsers(users) && !(await this.blobs.has(users.blob))) {
          verifier.rejectLast(entry, 'blob-missing', `the eligible users of entry ${entry.sequence} (${users.blob.uri}) are not in the blob store`);
          break scan;
        }
        onVerified?.(entry);
      }
    }
    const result = verifier.result();
    const head = await this.projection.head();
    if (result.valid && (head.sequence !== result.headSequence || head.entryHash !== result.headHash)) {
      return {
        ...result,
        valid: false,
        firstInvalid: {
          sequence: result.headSequence + 1,
          roundId: null,
          fault: 'sequence-gap',
          detail: `the ledger head is entry ${head.sequence} (${head.entryHash}) but the stored chain ends at entry ${result.headSequence}: entries were removed or altered at the end`,
        },
      };
    }
    return result;
  }

  async audit(planId: PlanId): Promise<PlanAuditReport> {
    // The plan's entries as the verification read them; one it did not pass is read again.
    const verified = new Map<number, LedgerEntry>();
    const [plan, ledger] = await Promise.all([
      this.plan(planId),
      this.verify((entry) => {
        if (entry.planId === planId) verified.set(entry.sequence, entry);
      }),
    ]);
    const sequences = await this.projection.planSequences(planId);
    let cumulative = this.arithmetic.zero();
    const rounds: AuditRow[] = [];
    for (const sequence of sequences) {
      const entry = verified.get(sequence) ?? (await this.projection.entryAt(sequence));
      if (entry === null) throw damaged(`entry ${sequence} of plan ${planId} is indexed but not stored`);
      const round = { samplingRate: entry.mechanism.samplingRate, noiseMultiplier: entry.mechanism.noiseMultiplier };
      cumulative = this.arithmetic.add(cumulative, this.arithmetic.roundCurve(round));
      rounds.push({
        sequence: entry.sequence,
        roundId: entry.roundId as RoundId,
        roundNumber: entry.roundNumber,
        modelVersion: entry.modelVersion,
        recordedAt: entry.recordedAt,
        samplingRate: round.samplingRate,
        noiseMultiplier: round.noiseMultiplier,
        clipNorm: entry.mechanism.clipNorm,
        populationSize: entry.mechanism.populationSize,
        cohortSize: entry.cohortSize,
        eligibleUsers: entry.eligibleUsers.count,
        roundEpsilon: wireEpsilon(this.arithmetic.roundEpsilon(round)),
        cumulativeEpsilon: wireEpsilon(this.arithmetic.epsilon(cumulative)),
        previousHash: entry.previousHash,
        entryHash: entry.entryHash,
      });
    }
    return { planId, generatedAt: new Date().toISOString(), delta: this.arithmetic.delta, plan, ledger, rounds };
  }
}
