/**
 * Embeds every catalog item: CatalogItemUpserted → image bytes from the blob store (claim check;
 * small images may come inline in `imageData`) → decode → encoder (through the batcher) →
 * CatalogItemEmbedded, keyed by item id on a compacted topic and carrying the encoder version.
 *
 * Replicas share one consumer group and split the partitions. It subscribes only once the
 * encoder is warmed up. Up to `consumerConcurrency` items of a partition are in flight at once
 * (one per item id, so the latest version of an item is embedded last), enough to fill a batch
 * from one partition. Back-pressure: the handler waits for room in the encoder queue, and the bus
 * starts no further message of a partition while its window is full, so a full queue pauses
 * consumption instead of dropping or refusing items.
 *
 * Failure policy: retry-then-dlq — items are independent facts. An item that can never be encoded
 * (undecodable or oversized image, blank text, an image missing from the blob store) fails each
 * retry the same way and lands in
 * `cohort.catalog.item-upserted.v1.dlq` with the reason; undecodable events go there at once.
 * Replays are harmless: the same item and encoder version give the same embedding, and the
 * compacted output topic keeps the latest per item.
 */
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus, type Subscription } from '@cohort/bus';
import { CatalogItemEmbedded, CatalogItemUpserted, type Envelope, type PayloadOf } from '@cohort/contracts';
import { EmbeddingService } from '../embedding/embedding.service';
import { InferenceWorkerError, InferenceWorkerErrorCode } from '../inference-worker.error';
import { INFERENCE_WORKER_OPTIONS, type InferenceWorkerOptions } from '../inference-worker.options';
import { catalogItemText } from './catalog-item-text';

type Upserted = Envelope<typeof CatalogItemUpserted.type, PayloadOf<typeof CatalogItemUpserted>>;

@Injectable()
export class CatalogItemConsumer implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(CatalogItemConsumer.name);
  private subscription: Subscription | undefined;
  private subscribing: Promise<void> | undefined;
  private stopping = false;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(EmbeddingService) private readonly embeddings: EmbeddingService,
    @Inject(INFERENCE_WORKER_OPTIONS) private readonly options: InferenceWorkerOptions,
  ) {}

  onModuleInit(): void {
    if (!this.options.consumeCatalog) return;
    this.subscribing = (async () => {
      await this.embeddings.whenReady();
      if (this.stopping) return;
      this.subscription = await this.bus.subscribe(CatalogItemUpserted, (event) => this.handle(event), {
        group: this.options.consumerGroup,
        policy: 'retry-then-dlq',
        concurrency: this.options.consumerConcurrency,
      });
      this.logger.log({ topic: CatalogItemUpserted.topic.name, group: this.options.consumerGroup }, 'consuming catalog items');
    })().catch((error: unknown) => {
      this.logger.error({ err: error }, 'the catalog consumer did not start');
    });
  }

  /** Resolves once subscribed (tests); rejects never — a failure to start is logged. */
  async started(): Promise<boolean> {
    await this.subscribing;
    return this.subscription !== undefined;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.subscribing;
    await this.subscription?.close();
  }

  /**
   * The image file: from the blob store (claim check, verified), inline, or none. A claim check
   * whose `byteLength` exceeds `maxImageBytes` is refused (`image-too-large`) before the blob is
   * read: the store verifies that length, so the blob could only be refused after the fetch and
   * the hash, on every retry.
   */
  private async imageOf(payload: PayloadOf<typeof CatalogItemUpserted>): Promise<Uint8Array | undefined> {
    if (payload.image !== undefined) {
      if (payload.image.byteLength > this.options.maxImageBytes) {
        throw new InferenceWorkerError(InferenceWorkerErrorCode.ImageTooLarge, `the image is ${payload.image.byteLength} bytes; at most ${this.options.maxImageBytes} are accepted`);
      }
      return this.blobs.get(payload.image);
    }
    if (payload.imageData !== undefined) return new Uint8Array(Buffer.from(payload.imageData.data, 'base64'));
    return undefined;
  }

  private async handle({ payload, correlationId }: Upserted): Promise<void> {
    try {
      const imageBytes = await this.imageOf(payload);
      const embedding = await this.embeddings.embed({ text: catalogItemText(payload), imageBytes }, { source: 'catalog', wait: true });
      await this.bus.publish(CatalogItemEmbedded, {
        itemId: payload.itemId,
        encoderVersion: embedding.encoderVersion,
        embedding: Array.from(embedding.vector),
        modalities: [...embedding.modalities],
      });
    } catch (error) {
      if (error instanceof InferenceWorkerError && error.permanent) {
        // Fails the same way on every retry: the bus sends it to .dlq with this reason.
        this.logger.warn({ itemId: payload.itemId, correlationId, code: error.code }, `catalog item cannot be embedded: ${error.message}`);
      }
      throw error;
    }
  }
}
