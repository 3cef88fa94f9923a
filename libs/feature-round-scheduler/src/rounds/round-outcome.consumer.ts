/**
 * Closes rounds from what the other services report. Failure policy: stop-on-failure — round
 * outcomes of a plan are ordered, and skipping one would leave a round open or uncharged.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { AggregationAborted, ModelVersionPublished } from '@cohort/contracts';
import { RoundsService } from './rounds.service';

@Injectable()
export class RoundOutcomeConsumer implements OnModuleInit {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(RoundsService) private readonly rounds: RoundsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(
      ModelVersionPublished,
      async ({ payload }) => {
        await this.rounds.recordModelVersion(payload.planId, { modelVersion: payload.modelVersion, dimension: payload.dimension });
        if (payload.roundId !== null) await this.rounds.commit(payload.roundId, payload.modelVersion);
      },
      { group: 'round-scheduler.model-versions', policy: 'stop-on-failure' },
    );
    await this.bus.subscribe(
      AggregationAborted,
      async ({ payload }) => this.rounds.abort(payload.roundId, payload.reason),
      { group: 'round-scheduler.aggregation-aborted', policy: 'stop-on-failure' },
    );
  }
}
