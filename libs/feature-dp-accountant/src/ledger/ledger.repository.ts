/**
 * The privacy ledger projection: one entry per committed round, appended exactly once (the round
 * id is the idempotency key, checked and written in the same atomic step as the charges), and the
 * number of rounds each user has been charged for.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { PayloadOf, RoundCommitted } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';

export type LedgerEntry = PayloadOf<typeof RoundCommitted> & {
  readonly sequence: number;
  /** The RoundCommitted event this entry records: audits match entries to events one to one. */
  readonly eventId: string;
  readonly recordedAt: string;
};

const LEDGER = 'accountant:ledger';
const USER_ROUNDS = 'accountant:user-rounds';
const planRoundsKey = (planId: string) => `accountant:plan:${planId}:rounds`;

@Injectable()
export class LedgerRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  /** Appends the round and charges its eligible users; false when the round was already recorded. */
  async append(round: PayloadOf<typeof RoundCommitted>, eventId: string): Promise<boolean> {
    const entry: LedgerEntry = { ...round, sequence: (await this.store.listLength(LEDGER)) + 1, eventId, recordedAt: new Date().toISOString() };
    return this.store.commit(
      [
        { op: 'listPush', key: LEDGER, values: [JSON.stringify(entry)] },
        { op: 'listPush', key: planRoundsKey(round.planId), values: [round.roundId] },
        ...round.eligibleUserIds.map((userId) => ({ op: 'hashIncrBy' as const, key: USER_ROUNDS, field: userId, by: 1 })),
      ],
      { unlessExists: `accountant:round:${round.roundId}:recorded` },
    );
  }

  async entries(offset: number, limit: number): Promise<LedgerEntry[]> {
    return (await this.store.listRange(LEDGER, offset, offset + limit - 1)).map((raw) => JSON.parse(raw) as LedgerEntry);
  }

  async roundsOfPlan(planId: string): Promise<string[]> {
    return this.store.listRange(planRoundsKey(planId), 0, -1);
  }

  async roundsChargedTo(userId: string): Promise<number> {
    return Number((await this.store.hashGet(USER_ROUNDS, userId)) ?? 0);
  }
}
