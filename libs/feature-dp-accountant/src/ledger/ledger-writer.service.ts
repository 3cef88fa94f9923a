/**
 * Appends one ledger entry per committed round. Consumes RoundCommitted (group
 * `dp-accountant.ledger`, stop-on-failure: a charge is never skipped) and, for a round the
 * projection has not recorded, proposes the next entry on the ledger topic, then waits until the
 * projector has decided on it. The RoundCommitted offset is committed only after the entry is
 * projected, so a crash anywhere redelivers the round.
 *
 * Safe appends without reading the topic's end: the proposal is stored (`ledger:outbox`) before
 * it is published, and re-sent unchanged (same eventId, same bytes) after a crash while it can
 * still be the next entry — so the topic holds at most identical copies of it, which the
 * projector and verifiers count once. A proposal built on a stale head (a store that lost its
 * state, a second writer) lands at a sequence already taken, is rejected by the log's order, and
 * the round is proposed again on the new head. Either way each round is charged exactly once.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import {
  LEDGER_USER_IDS_CONTENT_TYPE, LedgerEntryAppended, RoundCommitted,
  type LedgerEligibleUsers, type LedgerEntry, type PayloadOf,
} from '@cohort/contracts';
import { DP_ACCOUNTANT_OPTIONS, type DpAccountantOptions } from '../dp-accountant.options';
import { DpAccountantError, DpAccountantErrorCode } from '../dp-accountant.error';
import { canonicalUserIds, sealEntry, userIdsBlobBytes } from './ledger-chain';
import { LedgerProjector } from './ledger-projector.service';
import { type PendingAppend, ProjectionRepository } from './projection.repository';
import { Serial } from './serial';

/** Proposals per delivery before the handler gives the round back to the bus's retries. */
const MAX_PROPOSALS = 5;

@Injectable()
export class LedgerWriter {
  private readonly logger = new Logger(LedgerWriter.name);
  /** RoundCommitted partitions are consumed in parallel; the ledger has one head. */
  private readonly serial = new Serial();

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(ProjectionRepository) private readonly projection: ProjectionRepository,
    @Inject(LedgerProjector) private readonly projector: LedgerProjector,
    @Inject(DP_ACCOUNTANT_OPTIONS) private readonly options: DpAccountantOptions,
  ) {}

  async start(): Promise<void> {
    // Failure policy: stop-on-failure — the ledger must never skip a charge.
    await this.bus.subscribe(RoundCommitted, ({ payload, eventId }) => this.record(payload, eventId), {
      group: 'dp-accountant.ledger',
      policy: 'stop-on-failure',
    });
  }

  /** Records the round in the ledger unless it is there already; resolves once it is projected. */
  record(round: PayloadOf<typeof RoundCommitted>, roundCommittedEventId: string): Promise<void> {
    return this.serial.run(async () => {
      for (let proposals = 0; proposals < MAX_PROPOSALS; proposals++) {
        if (await this.projection.isRecorded(round.roundId)) return;
        const proposal = await this.proposal(round, roundCommittedEventId);
        const outcome = await this.projector.awaitAppend(
          proposal,
          () => this.bus.publish(LedgerEntryAppended, proposal.entry, { eventId: proposal.eventId, correlationId: round.roundId }),
          this.options.appendTimeoutMs,
        );
        if (outcome === 'rejected' || outcome === 'superseded') {
          this.logger.warn({ roundId: round.roundId, sequence: proposal.entry.sequence, outcome }, 'ledger proposal lost its sequence; proposing again on the new head');
        }
      }
      if (await this.projection.isRecorded(round.roundId)) return;
      throw new DpAccountantError(DpAccountantErrorCode.AppendTimeout, `round ${round.roundId} lost ${MAX_PROPOSALS} proposals in a row on the ledger; another writer may be appending — run one dp-accountant`);
    });
  }

  /** The pending proposal when it is for this round and still fits the head; else a new one, stored first. */
  private async proposal(round: PayloadOf<typeof RoundCommitted>, roundCommittedEventId: string): Promise<PendingAppend> {
    const head = this.projector.head();
    const pending = await this.projection.pendingAppend();
    if (pending !== null && pending.entry.roundId === round.roundId && pending.entry.sequence === head.sequence + 1 && pending.entry.previousHash === head.entryHash) {
      return pending;
    }
    const entry: LedgerEntry = sealEntry({
      sequence: head.sequence + 1,
      roundId: round.roundId,
      planId: round.planId,
      roundNumber: round.roundNumber,
      modelVersion: round.modelVersion,
      roundCommittedEventId,
      mechanism: round.mechanism,
      cohortSize: round.cohortSize,
      eligibleUsers: await this.eligibleUsers(round.eligibleUserIds),
      recordedAt: new Date().toISOString(),
      previousHash: head.entryHash,
    });
    const proposal: PendingAppend = { eventId: randomUUID(), entry };
    await this.projection.savePendingAppend(proposal);
    return proposal;
  }

  private async eligibleUsers(userIds: PayloadOf<typeof RoundCommitted>['eligibleUserIds']): Promise<LedgerEligibleUsers> {
    const ids = canonicalUserIds(userIds);
    if (ids.length <= this.options.inlineUserIds) return { count: ids.length, userIds: ids };
    const blob = await this.blobs.put(userIdsBlobBytes(ids), LEDGER_USER_IDS_CONTENT_TYPE);
    return { count: ids.length, blob };
  }
}
