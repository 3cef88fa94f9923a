/**
 * Keeps the eligibility pool in step with enrolment. Failure policy: retry-then-dlq — each
 * registration is independent, and the upsert is idempotent, so a redelivery is harmless.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { ClientRegistered } from '@cohort/contracts';
import { EligibilityPoolRepository } from './eligibility-pool.repository';

@Injectable()
export class EligibilityPoolConsumer implements OnModuleInit {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(EligibilityPoolRepository) private readonly pool: EligibilityPoolRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(
      ClientRegistered,
      async ({ payload }) => this.pool.upsert(payload.userId, payload.clientId, payload.trainingConsent),
      { group: 'round-scheduler.eligibility-pool', policy: 'retry-then-dlq' },
    );
  }
}
