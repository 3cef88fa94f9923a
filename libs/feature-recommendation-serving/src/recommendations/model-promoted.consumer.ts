/**
 * Loads each version promoted to production. Every serving replica needs every promotion, so each
 * replica has its own consumer group and reads the promotions from the start of the topic.
 * Failure policy: retry-then-dlq — a version that cannot be loaded must not stop later ones.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { ModelVersionPromoted, PopularityModelArtifact, type PlanId } from '@cohort/contracts';
import { ServingModel } from './serving-model';

export const SERVING_OPTIONS = Symbol.for('cohort.ServingOptions');

export interface ServingOptions {
  readonly planId: PlanId;
  /** Distinguishes replicas: the consumer group is per replica. */
  readonly instanceId: string;
}

@Injectable()
export class ModelPromotedConsumer implements OnModuleInit {
  private readonly logger = new Logger(ModelPromotedConsumer.name);

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(ServingModel) private readonly model: ServingModel,
    @Inject(SERVING_OPTIONS) private readonly options: ServingOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(
      ModelVersionPromoted,
      async ({ payload }) => {
        if (payload.planId !== this.options.planId || payload.stage !== 'production') return;
        const bytes = await this.blobs.get(payload.artifact);
        const artifact = PopularityModelArtifact.parse(JSON.parse(new TextDecoder().decode(bytes)));
        this.model.load(payload.modelVersion, payload.privacy, artifact);
        this.logger.log({ modelVersion: payload.modelVersion }, 'serving model swapped');
      },
      { group: `recommendation-serving.models.${this.options.instanceId}`, policy: 'retry-then-dlq' },
    );
  }
}
