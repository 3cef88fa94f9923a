/**
 * Round state (Redis in distributed mode): the round record, its cohort, the plan's active round
 * and the plan's newest model version. At most one active round per plan, claimed atomically.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { ClientId, ModelVersion, PlanId, RoundId, RoundMechanism, UserId } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';

/** The plan's newest model version, which the next round trains. */
export interface CurrentModel {
  readonly modelVersion: ModelVersion;
  readonly dimension: number;
}

export type RoundState = 'open' | 'committed' | 'aborted';

export interface RoundRecord {
  readonly roundId: RoundId;
  readonly planId: PlanId;
  readonly roundNumber: number;
  readonly state: RoundState;
  readonly baseModelVersion: ModelVersion;
  readonly dimension: number;
  readonly mechanism: RoundMechanism;
  readonly cohort: ClientId[];
  readonly eligibleUserIds: UserId[];
  readonly expectedCohortSize: number;
  readonly minSurvivors: number;
  readonly uploadDeadline: string;
  readonly openedAt: string;
  readonly modelVersion?: ModelVersion;
  readonly reason?: string;
}

const roundKey = (roundId: RoundId) => `scheduler:round:${roundId}`;
const cohortKey = (roundId: RoundId) => `scheduler:round:${roundId}:cohort`;
const activeKey = (planId: PlanId) => `scheduler:plan:${planId}:active`;
const counterKey = (planId: PlanId) => `scheduler:plan:${planId}:round-counter`;
const modelKey = (planId: PlanId) => `scheduler:plan:${planId}:model`;

@Injectable()
export class RoundRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  /** Claims the plan's single active-round slot; false when another round holds it. */
  claimActive(planId: PlanId, roundId: RoundId): Promise<boolean> {
    return this.store.set(activeKey(planId), roundId, { ifAbsent: true });
  }

  async releaseActive(planId: PlanId, roundId: RoundId): Promise<void> {
    if ((await this.store.get(activeKey(planId))) === roundId) await this.store.delete(activeKey(planId));
  }

  async activeRound(planId: PlanId): Promise<RoundRecord | null> {
    const roundId = (await this.store.get(activeKey(planId))) as RoundId | null;
    return roundId === null ? null : this.find(roundId);
  }

  nextRoundNumber(planId: PlanId): Promise<number> {
    return this.store.incr(counterKey(planId));
  }

  /** Rounds opened under the plan so far (aborted ones included): from the first, its mechanism is locked. */
  async roundsOpened(planId: PlanId): Promise<number> {
    const raw = await this.store.get(counterKey(planId));
    return raw === null ? 0 : Number(raw);
  }

  async save(round: RoundRecord): Promise<void> {
    // A round nobody could be sampled for (everyone capped, say) has no cohort set: it opens and
    // aggregation aborts it, releasing and charging nothing.
    await this.store.commit([
      { op: 'set', key: roundKey(round.roundId), value: JSON.stringify(round) },
      ...(round.cohort.length === 0 ? [] : [{ op: 'setAdd' as const, key: cohortKey(round.roundId), members: round.cohort }]),
    ]);
  }

  async find(roundId: RoundId): Promise<RoundRecord | null> {
    const raw = await this.store.get(roundKey(roundId));
    return raw === null ? null : (JSON.parse(raw) as RoundRecord);
  }

  isInCohort(roundId: RoundId, clientId: ClientId): Promise<boolean> {
    return this.store.setIsMember(cohortKey(roundId), clientId);
  }

  async recordModelVersion(planId: PlanId, model: CurrentModel): Promise<void> {
    await this.store.set(modelKey(planId), JSON.stringify(model));
  }

  async currentModel(planId: PlanId): Promise<CurrentModel | null> {
    const raw = await this.store.get(modelKey(planId));
    return raw === null ? null : (JSON.parse(raw) as CurrentModel);
  }
}
