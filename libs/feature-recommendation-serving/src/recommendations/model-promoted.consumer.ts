/**
 * ModelVersionPromoted (stage production, this plan) → the served model swaps to that version:
 * the manifest and the parameters (and content embeddings) come from the blob store by claim
 * check, each verified by the store against its SHA-256. Failure policy: retry, then `.dlq` — a
 * version that cannot be loaded leaves the previous one serving.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { ModelVersionPromoted, TwoTowerModelManifest, type BlobRef, type PlanId } from '@cohort/contracts';
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
        if (payload.parameters === undefined) throw new Error(`${payload.modelVersion} was promoted without its parameters (an older producer); it cannot be served`);
        const manifest = TwoTowerModelManifest.parse(JSON.parse(new TextDecoder().decode(await this.blobs.get(payload.artifact))));
        const params = await this.floats(payload.parameters);
        const content = payload.content == null ? undefined : await this.floats(payload.content);
        this.model.load(manifest, payload.privacy, params, content);
        this.logger.log({ modelVersion: payload.modelVersion, epsilon: payload.privacy.epsilon }, 'serving model swapped');
      },
      { group: `recommendation-serving.models.${this.options.instanceId}`, policy: 'retry-then-dlq' },
    );
  }

  private async floats(ref: BlobRef): Promise<Float32Array> {
    const bytes = await this.blobs.get(ref);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
}
