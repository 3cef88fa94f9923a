/**
 * The accountant's skeleton: records every committed round and answers budget checks and
 * compliance reads. Per-user ε and caps (RDP/PLD accounting, the Rényi filter) come with the
 * privacy issue; until then ε is reported as null — unknown, never guessed — and no user is
 * filtered out by a cap.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { RoundCommitted, type PlanId, type RoundMechanism, type UserId } from '@cohort/contracts';
import { LedgerRepository, type LedgerEntry } from './ledger.repository';

@Injectable()
export class LedgerService implements OnModuleInit {
  private readonly logger = new Logger(LedgerService.name);

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    // Failure policy: stop-on-failure — the ledger is ordered and must never skip a charge.
    await this.bus.subscribe(
      RoundCommitted,
      async ({ payload, eventId }) => {
        if (await this.ledger.append(payload, eventId)) {
          this.logger.log({ roundId: payload.roundId, planId: payload.planId, charged: payload.eligibleUserIds.length }, 'round recorded in the ledger');
        }
      },
      { group: 'dp-accountant.ledger', policy: 'stop-on-failure' },
    );
  }

  /** Users who can afford one more round of `mechanism` (no caps are configured yet). */
  async eligibleUsers(_planId: PlanId, candidates: readonly UserId[], _mechanism: RoundMechanism): Promise<UserId[]> {
    return [...candidates];
  }

  async user(userId: UserId) {
    return { userId, roundsCharged: await this.ledger.roundsChargedTo(userId), epsilon: null, delta: null };
  }

  async plan(planId: PlanId) {
    const rounds = await this.ledger.roundsOfPlan(planId);
    return { planId, roundsCommitted: rounds.length, roundIds: rounds, epsilon: null, delta: null };
  }

  entries(offset: number, limit: number): Promise<LedgerEntry[]> {
    return this.ledger.entries(offset, limit);
  }
}
