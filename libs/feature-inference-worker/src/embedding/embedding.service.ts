/**
 * The item encoder behind the dynamic batcher: every embedding the worker produces, for HTTP
 * callers and for the catalog consumer alike, goes through `embed` here.
 *
 * Start-up: `onModuleInit` loads the ONNX sessions (a missing model directory stops the boot
 * with a message naming `npm run setup:models`), then warms them up in the background; the
 * readiness check `item-encoder` turns true only after the warm-up, so no caller pays for the
 * first, slow runs. `embed` before that answers 503 `encoder-not-ready`.
 *
 * Invariants:
 * - inputs are checked before they are queued (empty text, undecodable/oversized image: 4xx),
 *   so a batch only holds inputs the encoder accepts; the batcher still isolates a batch that
 *   fails, re-running it item by item;
 * - the output for an item is exactly `encoder.encodeItems([...])[i]` — nothing is added on top;
 * - back-pressure: HTTP callers are refused (503 `encoder-overloaded`) when the queue is full,
 *   the consumer (`wait: true`) waits for room instead, which pauses its partitions;
 * - shutdown: the queue is flushed and every batch settles before the sessions are released.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry, ReadinessRegistry } from '@cohort/nest-common';
import { BatcherRejection, DynamicBatcher } from '../batching/dynamic-batcher';
import { ITEM_ENCODER_FACTORY, type DecodedImage, type ItemEncoderFactory, type ItemEncoderPort, type ItemInput } from '../encoder/item-encoder.port';
import { InferenceWorkerError, InferenceWorkerErrorCode } from '../inference-worker.error';
import { INFERENCE_WORKER_OPTIONS, type InferenceWorkerOptions } from '../inference-worker.options';

export type Modality = 'text' | 'image';
/** Who asked (HTTP, the catalog consumer, an in-process caller such as the benchmark): a label on the item counters. */
export type EmbedSource = 'http' | 'catalog' | 'in-process';

export interface EmbedInput {
  readonly text?: string;
  /** The image file's bytes (PNG or JPEG). */
  readonly imageBytes?: Uint8Array;
}

export interface Embedding {
  readonly encoderVersion: string;
  readonly vector: Float32Array;
  readonly modalities: readonly Modality[];
}

export interface EmbedOptions {
  readonly source: EmbedSource;
  /** Wait for room in a full queue instead of answering 503 (consumers). */
  readonly wait?: boolean;
}

const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

@Injectable()
export class EmbeddingService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EmbeddingService.name);
  private encoder: ItemEncoderPort | undefined;
  private batcher: DynamicBatcher<ItemInput, Float32Array> | undefined;
  private ready = false;
  private closing = false;
  /** Settles when the warm-up ends (consumers may wait for it before the module init ran). */
  private readonly warmed: Promise<void>;
  private warmedOutcome!: { resolve: () => void; reject: (error: unknown) => void };
  private readonly batchSize: Histogram<'outcome'>;
  private readonly batchSeconds: Histogram<'outcome'>;
  private readonly depthGauge: Gauge;
  private readonly rejected: Counter;
  private readonly items: Counter<'source' | 'outcome'>;
  private readonly fallbacks: Counter<'requested' | 'provider'>;
  private readonly info: Gauge<'version' | 'provider' | 'requested_provider'>;

  constructor(
    @Inject(ITEM_ENCODER_FACTORY) private readonly factory: ItemEncoderFactory,
    @Inject(INFERENCE_WORKER_OPTIONS) private readonly options: InferenceWorkerOptions,
    @Inject(MetricsRegistry) metrics: MetricsRegistry,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
  ) {
    this.batchSize = metrics.histogram({ name: 'cohort_encoder_batch_size', help: 'Items per encoder batch', labelNames: ['outcome'], buckets: BATCH_SIZE_BUCKETS });
    this.batchSeconds = metrics.histogram({ name: 'cohort_encoder_batch_duration_seconds', help: 'Time of one encoder batch (all session runs and fusion)', labelNames: ['outcome'] });
    this.depthGauge = metrics.gauge({ name: 'cohort_encoder_queue_depth', help: 'Items waiting for an encoder batch' });
    this.rejected = metrics.counter({ name: 'cohort_encoder_rejected_total', help: 'Items refused because the encoder queue was full (back-pressure)' });
    this.items = metrics.counter({ name: 'cohort_encoder_items_total', help: 'Items asked to be embedded, by source and outcome', labelNames: ['source', 'outcome'] });
    this.fallbacks = metrics.counter({ name: 'cohort_encoder_provider_fallback_total', help: 'Encoder loads whose requested execution provider was unavailable (ran on cpu)', labelNames: ['requested', 'provider'] });
    this.info = metrics.gauge({ name: 'cohort_encoder_info', help: 'The loaded encoder (value 1)', labelNames: ['version', 'provider', 'requested_provider'] });
    this.warmed = new Promise<void>((resolve, reject) => (this.warmedOutcome = { resolve, reject }));
    this.warmed.catch(() => undefined); // observed by whenReady; a failure is logged below
  }

  async onModuleInit(): Promise<void> {
    this.readiness.register('item-encoder', async () => this.ready);
    let encoder: ItemEncoderPort;
    try {
      encoder = await this.factory.load(this.options.encoder);
    } catch (error) {
      this.warmedOutcome.reject(error);
      throw error;
    }
    this.encoder = encoder;
    this.info.set({ version: encoder.version, provider: encoder.provider, requested_provider: encoder.requestedProvider }, 1);
    if (encoder.fellBack) {
      this.fallbacks.inc({ requested: encoder.requestedProvider, provider: encoder.provider });
      this.logger.warn({ requested: encoder.requestedProvider, provider: encoder.provider }, `execution provider '${encoder.requestedProvider}' is not available here: the item encoder runs on '${encoder.provider}'`);
    }
    const { maxBatch, maxWaitMs, queueLimit } = this.options.batching;
    this.batcher = new DynamicBatcher<ItemInput, Float32Array>({
      maxBatch,
      maxWaitMs,
      queueLimit,
      run: (inputs) => encoder.encodeItems(inputs),
      observer: {
        batchFinished: (size, ms, ok) => {
          const outcome = ok ? 'ok' : 'failed';
          this.batchSize.observe({ outcome }, size);
          this.batchSeconds.observe({ outcome }, ms / 1000);
        },
        queueDepth: (depth) => this.depthGauge.set(depth),
        rejected: () => this.rejected.inc(),
      },
    });
    const started = Date.now();
    void encoder.warmUp().then(
      () => {
        if (this.closing) return this.warmedOutcome.reject(this.notReady());
        this.ready = true;
        this.warmedOutcome.resolve();
        this.logger.log({ encoderVersion: encoder.version, provider: encoder.provider, dimension: encoder.dimension, warmUpMs: Date.now() - started, maxBatch, maxWaitMs, queueLimit }, 'item encoder warmed up: ready');
      },
      (error: unknown) => {
        this.warmedOutcome.reject(error);
        this.logger.error({ err: error }, 'the item encoder failed to warm up; the service stays not ready');
      },
    );
  }

  /** Resolves once warmed up (callable before the module init ran); rejects if loading or warm-up failed. */
  async whenReady(): Promise<void> {
    await this.warmed;
  }

  /** Items waiting for a batch now. */
  get queueDepth(): number {
    return this.batcher?.depth ?? 0;
  }

  /** The embedding of one item (text and/or image file bytes): checked, decoded, then through the batcher. */
  async embed(input: EmbedInput, options: EmbedOptions): Promise<Embedding> {
    return this.counted(options, () => {
      this.assertReady();
      return this.toItemInput(input);
    });
  }

  /** The embedding of an item whose image is already decoded (the benchmark's worker path). */
  async embedItem(item: ItemInput, options: EmbedOptions): Promise<Embedding> {
    return this.counted(options, () => {
      this.assertReady();
      if (item.text === undefined && item.image === undefined) throw new InferenceWorkerError(InferenceWorkerErrorCode.InvalidInput, 'give text, an image or both');
      return item;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.ready = false;
    await this.batcher?.close();
    await this.encoder?.close();
  }

  private async counted(options: EmbedOptions, prepare: () => ItemInput): Promise<Embedding> {
    try {
      const item = prepare();
      const vector = await this.submit(item, options.wait === true);
      this.items.inc({ source: options.source, outcome: 'embedded' });
      return { encoderVersion: this.loaded().version, vector, modalities: modalitiesOf(item) };
    } catch (error) {
      const outcome = error instanceof InferenceWorkerError ? error.code : 'failed';
      this.items.inc({ source: options.source, outcome });
      throw error;
    }
  }

  private assertReady(): void {
    if (!this.ready || this.batcher === undefined || this.batcher.isClosed) throw this.notReady();
  }

  private async submit(item: ItemInput, wait: boolean): Promise<Float32Array> {
    try {
      return await this.batcher!.submit(item, { wait });
    } catch (error) {
      if (error instanceof BatcherRejection) {
        throw error.code === 'queue-full'
          ? new InferenceWorkerError(InferenceWorkerErrorCode.Overloaded, error.message)
          : this.notReady();
      }
      throw error;
    }
  }

  private toItemInput(input: EmbedInput): ItemInput {
    const text = input.text;
    if (text !== undefined && text.trim().length === 0) {
      throw new InferenceWorkerError(InferenceWorkerErrorCode.InvalidInput, 'text must not be empty or only whitespace', { errors: [{ field: 'text', message: 'empty' }] });
    }
    let image: DecodedImage | undefined;
    if (input.imageBytes !== undefined) {
      // The decoder refuses more than `maxBytes` bytes (image-too-large) before it reads a header.
      image = this.factory.decodeImage(input.imageBytes, { maxBytes: this.options.maxImageBytes, maxPixels: this.options.maxImagePixels });
    }
    if (text === undefined && image === undefined) {
      throw new InferenceWorkerError(InferenceWorkerErrorCode.InvalidInput, 'give text, an image or both');
    }
    return { ...(text === undefined ? {} : { text }), ...(image === undefined ? {} : { image }) };
  }

  private loaded(): ItemEncoderPort {
    if (this.encoder === undefined) throw this.notReady();
    return this.encoder;
  }

  private notReady(): InferenceWorkerError {
    return new InferenceWorkerError(InferenceWorkerErrorCode.NotReady, 'the item encoder is not ready (warming up or shutting down); retry shortly');
  }
}

function modalitiesOf(item: ItemInput): Modality[] {
  return [...(item.text === undefined ? [] : ['text' as const]), ...(item.image === undefined ? [] : ['image' as const])];
}
