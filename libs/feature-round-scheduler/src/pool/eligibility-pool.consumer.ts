/**
 * Keeps the eligibility pool in step with client-registry's events. Every update is idempotent
 * and ordered by the device's sequence numbers (eligibility-pool.repository.ts), so redeliveries
 * and cross-topic reordering are harmless. Failure policies:
 * - ClientRegistered, ClientCapabilitiesUpdated: retry-then-dlq — each is independent, and one
 *   that is parked in the dlq leaves a device out of the pool or with an older profile: safe.
 * - ClientConsentChanged: stop-on-failure — a withdrawal must never be skipped, or the device
 *   could be sampled after it withdrew; the partition stops and health reports it instead.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { ClientCapabilitiesUpdated, ClientConsentChanged, ClientRegistered } from '@cohort/contracts';
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
      async ({ payload }) =>
        this.pool.upsert(payload.userId, payload.clientId, payload.trainingConsent, { registeredAt: payload.registeredAt, capabilities: payload.capabilities }),
      { group: 'round-scheduler.eligibility-pool', policy: 'retry-then-dlq' },
    );
    await this.bus.subscribe(
      ClientConsentChanged,
      async ({ payload }) => this.pool.recordConsent(payload.userId, payload.clientId, payload.trainingConsent, payload.sequence),
      { group: 'round-scheduler.eligibility-pool.consent', policy: 'stop-on-failure' },
    );
    await this.bus.subscribe(
      ClientCapabilitiesUpdated,
      async ({ payload }) => this.pool.recordCapabilities(payload.userId, payload.clientId, payload.capabilities, payload.sequence),
      { group: 'round-scheduler.eligibility-pool.capabilities', policy: 'retry-then-dlq' },
    );
  }
}
