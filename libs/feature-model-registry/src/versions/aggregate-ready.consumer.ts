/**
 * Turns each released aggregate into a model version. Failure policy: stop-on-failure — versions
 * of a plan build on each other, so a skipped aggregate would fork the lineage.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { AggregateReady } from '@cohort/contracts';
import { ModelVersionsService } from './model-versions.service';

@Injectable()
export class AggregateReadyConsumer implements OnModuleInit {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(ModelVersionsService) private readonly versions: ModelVersionsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(AggregateReady, (event) => this.versions.applyAggregate(event), {
      group: 'model-registry.aggregates',
      policy: 'stop-on-failure',
    });
  }
}
