/**
 * ModelPrivacyComputed → the version's guarantee is recorded (and, with auto-promotion, the
 * version goes to production). Failure policy: retry, then `.dlq` — each event is independent
 * and recording is idempotent.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { ModelPrivacyComputed } from '@cohort/contracts';
import { ModelVersionsService } from './model-versions.service';

@Injectable()
export class ModelPrivacyConsumer implements OnModuleInit {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(ModelVersionsService) private readonly versions: ModelVersionsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(ModelPrivacyComputed, ({ payload }) => this.versions.recordPrivacy(payload), {
      group: 'model-registry.privacy',
      policy: 'retry-then-dlq',
    });
  }
}
