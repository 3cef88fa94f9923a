/**
 * Learns of the plans operators define on round-scheduler and gives each its initial version.
 * Failure policy: retry-then-dlq — every definition is whole (never a delta), so one that cannot
 * be applied (an architecture this registry cannot train, a changed architecture) holds back only
 * its own plan, and the next definition of that plan restates everything.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { TrainingPlanDefined } from '@cohort/contracts';
import { ModelVersionsService } from './model-versions.service';

@Injectable()
export class PlanDefinedConsumer implements OnModuleInit {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(ModelVersionsService) private readonly versions: ModelVersionsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(TrainingPlanDefined, ({ payload }) => this.versions.definePlan(payload), {
      group: 'model-registry.plan-definitions',
      policy: 'retry-then-dlq',
    });
  }
}
