/**
 * Aggregation sessions in the shared store, so any replica can take an upload and a restarted
 * process finds its rounds. One upload per cohort member, written atomically with its marker;
 * `claimRelease` lets exactly one replica release a round.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { ClientId, RoundId } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';

export interface AggregationSession {
  readonly roundId: RoundId;
  readonly planId: string;
  readonly roundNumber: number;
  readonly baseModelVersion: string;
  readonly dimension: number;
  readonly clipNorm: number;
  readonly noiseMultiplier: number;
  readonly expectedCohortSize: number;
  readonly minSurvivors: number;
  readonly cohortSize: number;
  readonly uploadDeadline: string;
  /** W3C trace context of the round, so the release joins the round's trace. */
  readonly traceCarrier: Record<string, string>;
}

const OPEN = 'aggregator:open-rounds';
const sessionKey = (roundId: RoundId) => `aggregator:round:${roundId}`;
const cohortKey = (roundId: RoundId) => `aggregator:round:${roundId}:cohort`;
const updatesKey = (roundId: RoundId) => `aggregator:round:${roundId}:updates`;
const uploadedKey = (roundId: RoundId, clientId: ClientId) => `aggregator:round:${roundId}:uploaded:${clientId}`;
const releasedKey = (roundId: RoundId) => `aggregator:round:${roundId}:released`;

@Injectable()
export class AggregationSessionRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  /** Creates the session once; a redelivered RoundOpened finds it and changes nothing. */
  create(session: AggregationSession, cohort: readonly ClientId[]): Promise<boolean> {
    const ops = [
      { op: 'set', key: sessionKey(session.roundId), value: JSON.stringify(session) },
      { op: 'setAdd', key: OPEN, members: [session.roundId] },
    ] as const;
    return this.store.commit(cohort.length > 0 ? [...ops, { op: 'setAdd', key: cohortKey(session.roundId), members: cohort }] : ops, {
      unlessExists: `${sessionKey(session.roundId)}:created`,
    });
  }

  async find(roundId: RoundId): Promise<AggregationSession | null> {
    const raw = await this.store.get(sessionKey(roundId));
    return raw === null ? null : (JSON.parse(raw) as AggregationSession);
  }

  isInCohort(roundId: RoundId, clientId: ClientId): Promise<boolean> {
    return this.store.setIsMember(cohortKey(roundId), clientId);
  }

  /** Stores one client's update; false when that client already uploaded. */
  addUpdate(roundId: RoundId, clientId: ClientId, update: Float32Array): Promise<boolean> {
    const bytes = Buffer.from(update.buffer, update.byteOffset, update.byteLength);
    return this.store.commit([{ op: 'hashSet', key: updatesKey(roundId), field: clientId, value: bytes.toString('base64') }], {
      unlessExists: uploadedKey(roundId, clientId),
    });
  }

  async updateCount(roundId: RoundId): Promise<number> {
    return Object.keys(await this.store.hashGetAll(updatesKey(roundId))).length;
  }

  async updates(roundId: RoundId): Promise<Float32Array[]> {
    return Object.values(await this.store.hashGetAll(updatesKey(roundId))).map((b64) => {
      const bytes = Buffer.from(b64, 'base64');
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    });
  }

  openRounds(): Promise<RoundId[]> {
    return this.store.setMembers(OPEN) as Promise<RoundId[]>;
  }

  isReleased(roundId: RoundId): Promise<boolean> {
    return this.store.get(releasedKey(roundId)).then((value) => value !== null);
  }

  /** Exactly one caller gets true; the individual updates are dropped in the same step. */
  claimRelease(roundId: RoundId): Promise<boolean> {
    return this.store.commit(
      [
        { op: 'setRemove', key: OPEN, members: [roundId] },
        { op: 'set', key: releasedKey(roundId), value: new Date().toISOString() },
      ],
      { unlessExists: `${releasedKey(roundId)}:claim` },
    );
  }

  async dropUpdates(roundId: RoundId): Promise<void> {
    await this.store.delete(updatesKey(roundId));
  }
}
