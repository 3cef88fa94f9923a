/**
 * inference-worker as a Nest app on an embedded bus and an in-memory blob store, with the fake
 * encoder (the real ONNX encoder is exercised by inference-worker.int-spec.ts): HTTP answers,
 * warm-up before readiness, back-pressure, provider-fallback metric, and the catalog consumer
 * with its dead-letter path.
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { DLQ_HEADERS, EmbeddedBroker, EmbeddedEventBus, partitionForKey } from '@cohort/bus';
import { CatalogItemEmbedded, CatalogItemUpserted, EmbedResponse, ItemId, TOPICS, type PayloadOf } from '@cohort/contracts';
import { COHORT_NEST_APP_OPTIONS, CohortCommonModule, CohortInfrastructureModule, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import { CatalogItemConsumer } from './catalog/catalog-item.consumer';
import { catalogItemText } from './catalog/catalog-item-text';
import { EmbeddingService } from './embedding/embedding.service';
import { InferenceWorkerModule } from './inference-worker.module';
import { inferenceWorkerHttpOptions, inferenceWorkerOptionsFromConfig, type InferenceWorkerOptions } from './inference-worker.options';
import { fakeDecode, fakeEmbedding, fakeFactory, fakeImageFile, FakeItemEncoder, latch } from './testing/fake-item-encoder';

const KEY = 'test-backend-key-0123456789abcdefgh';
const DEVICE_KEY = 'test-device-key-0123456789abcdefghi';
const LIMITS = { maxBytes: 8 * 1024 * 1024, maxPixels: 40_000_000 };

interface Running {
  app: INestApplication;
  url: string;
  encoder: FakeItemEncoder;
  settings: ReturnType<typeof fakeFactory>['settings'];
  post(path: string, body: unknown, contentType?: string, key?: string | null): Promise<Response>;
}

async function startWorker(deps: { broker: EmbeddedBroker; blobs: MemoryBlobStore; encoder: FakeItemEncoder; env?: Record<string, string>; options?: Partial<InferenceWorkerOptions> }): Promise<Running> {
  const config = parseConfig(commonConfigSchema, { COHORT_API_KEYS: `${KEY}=commerce-backend,${DEVICE_KEY}=device`, COHORT_API_KEY: 'test-development-key-0123456789abc', LOG_LEVEL: 'silent' });
  const options = { ...inferenceWorkerOptionsFromConfig({ ...config, ...deps.env }), consumerGroup: `inference-worker.spec.${Math.random()}`, ...deps.options };
  const factory = fakeFactory(deps.encoder);
  const bus = new EmbeddedEventBus({ broker: deps.broker, producer: 'inference-worker' });
  const moduleRef = await Test.createTestingModule({
    imports: [
      CohortCommonModule.forRoot({ service: 'inference-worker', config, http: inferenceWorkerHttpOptions(options), logDestination: { write: () => undefined }, defaultMetrics: false }),
      CohortInfrastructureModule.forRoot(config, { factories: { createEventBus: () => bus, createBlobStore: () => deps.blobs } }),
      InferenceWorkerModule.forRoot(options, { encoderFactory: factory }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ ...COHORT_NEST_APP_OPTIONS, logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const post = (path: string, body: unknown, contentType = 'application/json', key: string | null = KEY) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      body: typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body),
    });
  return { app, url, encoder: deps.encoder, settings: factory.settings, post };
}

const problemOf = async (response: Response) => {
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return (await response.json()) as { status: number; code: string; detail: string; errors?: Array<{ field: string }> };
};

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('inference-worker HTTP', () => {
  const broker = new EmbeddedBroker();
  let worker: Running;

  beforeAll(async () => {
    worker = await startWorker({ broker, blobs: new MemoryBlobStore(), encoder: new FakeItemEncoder(), env: { COHORT_ENCODER_MAX_WAIT_MS: '2', COHORT_ENCODER_MODEL_DIR: '/models/x', COHORT_ENCODER_THREADS: '2' } });
    await worker.app.get(EmbeddingService).whenReady();
  });
  afterAll(async () => worker.app.close());

  it('loads the encoder with the configured provider, model directory and threads', () => {
    expect(worker.settings).toEqual([{ executionProvider: 'cpu', modelDir: '/models/x', intraOpThreads: 2 }]);
  });

  it('embeds text, an image, or both, exactly as the encoder does for that item', async () => {
    const image = fakeImageFile(3, 2, 200);
    const cases = [
      [{ text: 'red running shoes' }, { text: 'red running shoes' }, ['text']],
      [{ image: Buffer.from(image).toString('base64') }, { image: fakeDecode(image, LIMITS) }, ['image']],
      [{ text: 'shoe', image: Buffer.from(image).toString('base64') }, { text: 'shoe', image: fakeDecode(image, LIMITS) }, ['text', 'image']],
    ] as const;
    for (const [body, item, modalities] of cases) {
      const response = await worker.post('/v1/embed', body);
      expect(response.status).toBe(200);
      const answer = EmbedResponse.parse(await response.json());
      expect(answer).toEqual({ encoderVersion: worker.encoder.version, dimension: 4, modalities, embedding: Array.from(fakeEmbedding(item)) });
    }
  });

  it('takes a raw image body on /v1/embed/image', async () => {
    const image = fakeImageFile(2, 2, 9);
    const response = await worker.post('/v1/embed/image', image, 'application/octet-stream');
    expect(response.status).toBe(200);
    expect(EmbedResponse.parse(await response.json()).embedding).toEqual(Array.from(fakeEmbedding({ image: fakeDecode(image, LIMITS) })));
  });

  it.each([
    ['text of the wrong type', { text: 5 }, 'text'],
    ['an image of the wrong type', { image: [1, 2, 3] }, 'image'],
    ['blank text', { text: '  \n ' }, 'text'],
    ['neither text nor image', {}, 'body'],
    ['an unknown field', { text: 'x', price: 1 }, 'body'],
    ['image that is not base64', { image: '%%%' }, 'image'],
  ])('answers 400 validation-failed for %s', async (_what, body, field) => {
    const response = await worker.post('/v1/embed', body);
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.code).toBe('validation-failed');
    expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  it('answers 400 invalid-image for bytes the decoder refuses, on both routes', async () => {
    const garbage = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const json = await worker.post('/v1/embed', { text: 'x', image: Buffer.from(garbage).toString('base64') });
    expect(json.status).toBe(400);
    expect((await problemOf(json)).code).toBe('invalid-image');
    const raw = await worker.post('/v1/embed/image', garbage, 'application/octet-stream');
    expect(raw.status).toBe(400);
    expect((await problemOf(raw)).code).toBe('invalid-image');
  });

  it('answers 400 when the image route gets JSON or an empty body', async () => {
    const json = await worker.post('/v1/embed/image', { image: 'AAAA' });
    expect((await problemOf(json)).code).toBe('unsupported-media-type');
    const empty = await worker.post('/v1/embed/image', new Uint8Array(), 'application/octet-stream');
    expect(empty.status).toBe(400);
  });

  it('answers 413 problem+json for a 50 MB body on either route, and keeps serving', async () => {
    const fifty = 50 * 1024 * 1024;
    const json = await worker.post('/v1/embed', JSON.stringify({ text: 'x', image: 'A'.repeat(fifty) }));
    expect(json.status).toBe(413);
    expect((await problemOf(json)).code).toBe('payload-too-large');
    const raw = await worker.post('/v1/embed/image', new Uint8Array(fifty), 'application/octet-stream');
    expect(raw.status).toBe(413);
    expect((await problemOf(raw)).code).toBe('payload-too-large');
    expect((await worker.post('/v1/embed', { text: 'still here' })).status).toBe(200);
  });

  it('batches concurrent requests together', async () => {
    const before = worker.encoder.batches.length;
    const gate = latch();
    worker.encoder.gate = gate.promise;
    const first = worker.post('/v1/embed', { text: 'first' });
    await until(() => worker.encoder.batches.length > before, 'the first batch');
    const rest = Array.from({ length: 10 }, (_, i) => worker.post('/v1/embed', { text: `item ${i}` }));
    await until(() => worker.app.get(EmbeddingService).queueDepth === 10, 'ten queued requests');
    gate.release();
    worker.encoder.gate = undefined;
    const answers = await Promise.all([first, ...rest]);
    expect(answers.map((r) => r.status)).toEqual(Array(11).fill(200));
    expect(worker.encoder.batches.slice(before)).toEqual([1, 10]); // the ten waited together
  });

  it('is for commerce backends and operators only', async () => {
    expect((await worker.post('/v1/embed', { text: 'x' }, 'application/json', null)).status).toBe(401);
    expect((await worker.post('/v1/embed', { text: 'x' }, 'application/json', DEVICE_KEY)).status).toBe(403);
  });

  it('exports batch sizes and queue depth as metrics', async () => {
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toMatch(/cohort_encoder_batch_size_count\{service="inference-worker",outcome="ok"\} [1-9]/);
    expect(metrics).toContain('cohort_encoder_queue_depth{service="inference-worker"} 0');
    expect(metrics).toMatch(/cohort_encoder_items_total\{source="http",outcome="invalid-image",service="inference-worker"\} [1-9]/);
  });
});

describe('inference-worker readiness, back-pressure and provider fallback', () => {
  it('is not ready (503) until the encoder has warmed up', async () => {
    const encoder = new FakeItemEncoder();
    const warm = latch();
    encoder.warmUpGate = warm.promise;
    const worker = await startWorker({ broker: new EmbeddedBroker(), blobs: new MemoryBlobStore(), encoder });
    try {
      expect((await fetch(`${worker.url}/health/ready`)).status).toBe(503);
      const early = await worker.post('/v1/embed', { text: 'too early' });
      expect(early.status).toBe(503);
      expect((await problemOf(early)).code).toBe('encoder-not-ready');
      warm.release();
      await worker.app.get(EmbeddingService).whenReady();
      expect((await fetch(`${worker.url}/health/ready`)).status).toBe(200);
      expect((await worker.post('/v1/embed', { text: 'now' })).status).toBe(200);
    } finally {
      await worker.app.close();
    }
    expect(encoder.closed).toBe(true);
  });

  it('answers 503 encoder-overloaded when the queue is full, then serves again', async () => {
    const encoder = new FakeItemEncoder();
    const worker = await startWorker({ broker: new EmbeddedBroker(), blobs: new MemoryBlobStore(), encoder, env: { COHORT_ENCODER_MAX_BATCH: '2', COHORT_ENCODER_QUEUE_LIMIT: '2', COHORT_ENCODER_MAX_WAIT_MS: '1' } });
    try {
      await worker.app.get(EmbeddingService).whenReady();
      const gate = latch();
      encoder.gate = gate.promise;
      const running = [worker.post('/v1/embed', { text: 'a' }), worker.post('/v1/embed', { text: 'b' })];
      await until(() => encoder.batches.length === 1, 'a running batch');
      const queued = [worker.post('/v1/embed', { text: 'c' }), worker.post('/v1/embed', { text: 'd' })];
      await until(() => worker.app.get(EmbeddingService).queueDepth === 2, 'a full queue');
      const refused = await worker.post('/v1/embed', { text: 'e' });
      expect(refused.status).toBe(503);
      expect((await problemOf(refused)).code).toBe('encoder-overloaded');
      gate.release();
      encoder.gate = undefined;
      expect((await Promise.all([...running, ...queued])).map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect((await worker.post('/v1/embed', { text: 'e' })).status).toBe(200);
      expect(await (await fetch(`${worker.url}/metrics`)).text()).toContain('cohort_encoder_rejected_total{service="inference-worker"} 1');
    } finally {
      await worker.app.close();
    }
  });

  it('counts and reports a requested provider that fell back to cpu', async () => {
    const encoder = new FakeItemEncoder('cuda', 'cpu');
    const worker = await startWorker({ broker: new EmbeddedBroker(), blobs: new MemoryBlobStore(), encoder, env: { COHORT_ENCODER_PROVIDER: 'cuda' } });
    try {
      expect(worker.settings[0]!.executionProvider).toBe('cuda');
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      expect(metrics).toContain('cohort_encoder_provider_fallback_total{requested="cuda",provider="cpu",service="inference-worker"} 1');
      expect(metrics).toContain(`cohort_encoder_info{version="${encoder.version}",provider="cpu",requested_provider="cuda",service="inference-worker"} 1`);
    } finally {
      await worker.app.close();
    }
  });
});

describe('inference-worker catalog consumer (embedded bus)', () => {
  const broker = new EmbeddedBroker();
  const blobs = new MemoryBlobStore();
  const backend = new EmbeddedEventBus({ broker, producer: 'recommendation-serving' });
  const embedded: Array<PayloadOf<typeof CatalogItemEmbedded>> = [];
  let worker: Running;

  beforeAll(async () => {
    await backend.start();
    worker = await startWorker({ broker, blobs, encoder: new FakeItemEncoder() });
    expect(await worker.app.get(CatalogItemConsumer).started()).toBe(true);
    await backend.subscribe(CatalogItemEmbedded, async ({ payload }) => void embedded.push(payload), { group: 'spec-reader', policy: 'retry-then-dlq' });
  });
  afterAll(async () => {
    await worker.app.close();
    await backend.close();
  });

  it('embeds an upserted item (text + image from the blob store) and publishes it with the encoder version', async () => {
    const file = fakeImageFile(4, 4, 120);
    const image = await blobs.put(file, 'image/png');
    const item = { itemId: ItemId.parse('sku-1'), title: 'Canvas tote', category: 'Bags', description: 'Sturdy, 20 l', image };
    await backend.publish(CatalogItemUpserted, item);
    await until(() => embedded.some((e) => e.itemId === 'sku-1'), 'the embedding');
    expect(embedded.find((e) => e.itemId === 'sku-1')).toEqual({
      itemId: 'sku-1',
      encoderVersion: worker.encoder.version,
      embedding: Array.from(fakeEmbedding({ text: 'Canvas tote\nBags\nSturdy, 20 l', image: fakeDecode(file, LIMITS) })),
      modalities: ['text', 'image'],
    });
    expect(catalogItemText(item)).toBe('Canvas tote\nBags\nSturdy, 20 l');
  });

  it('sends an item whose image cannot be decoded to .dlq with the reason, and goes on', async () => {
    const image = await blobs.put(new Uint8Array([0xde, 0xad, 0xbe, 0xef]), 'image/png');
    await backend.publish(CatalogItemUpserted, { itemId: ItemId.parse('sku-bad'), title: 'Broken', image });
    await backend.publish(CatalogItemUpserted, { itemId: ItemId.parse('sku-2'), title: 'Plain mug' });
    const dlq = `${TOPICS.catalogItemUpserted.name}.dlq`;
    await until(() => broker.hasTopic(dlq) && broker.read(dlq).length === 1, 'the dead letter', 10_000);
    const [dead] = broker.read(dlq);
    expect(dead!.key).toBe('sku-bad');
    expect(dead!.headers[DLQ_HEADERS.code]).toBe('handler-failed');
    expect(dead!.headers[DLQ_HEADERS.reason]).toContain('not an image');
    await until(() => embedded.some((e) => e.itemId === 'sku-2'), 'the next item');
    expect(embedded.some((e) => e.itemId === 'sku-bad')).toBe(false);
  });

  it('takes a small image inline in the event', async () => {
    const file = fakeImageFile(2, 3, 50);
    await backend.publish(CatalogItemUpserted, { itemId: ItemId.parse('sku-inline'), title: 'Enamel pin', imageData: { contentType: 'image/png', data: Buffer.from(file).toString('base64') } });
    await until(() => embedded.some((e) => e.itemId === 'sku-inline'), 'the embedding');
    expect(embedded.find((e) => e.itemId === 'sku-inline')!.embedding).toEqual(Array.from(fakeEmbedding({ text: 'Enamel pin', image: fakeDecode(file, LIMITS) })));
  });

  it('sends an item whose image is missing from the blob store to .dlq after its retries', async () => {
    const dlq = `${TOPICS.catalogItemUpserted.name}.dlq`;
    const before = broker.read(dlq).length;
    const missing = await new MemoryBlobStore().put(fakeImageFile(2, 2), 'image/png'); // stored elsewhere, not in the worker's store
    await backend.publish(CatalogItemUpserted, { itemId: ItemId.parse('sku-missing'), title: 'Lost photo', image: missing });
    await until(() => broker.read(dlq).length === before + 1, 'the dead letter', 10_000);
    expect(broker.read(dlq).at(-1)).toMatchObject({ key: 'sku-missing', headers: { [DLQ_HEADERS.code]: 'handler-failed' } });
    expect(broker.read(dlq).at(-1)!.headers[DLQ_HEADERS.reason]).toMatch(/BlobStoreError/);
  });

  it('sends an item whose claim-checked image is over the byte limit to .dlq without reading the blob', async () => {
    const dlq = `${TOPICS.catalogItemUpserted.name}.dlq`;
    const before = broker.read(dlq).length;
    const image = await blobs.put(new Uint8Array(LIMITS.maxBytes + 1), 'image/png');
    const get = vi.spyOn(blobs, 'get');
    try {
      await backend.publish(CatalogItemUpserted, { itemId: ItemId.parse('sku-huge'), title: 'Poster', image });
      await until(() => broker.read(dlq).length === before + 1, 'the dead letter', 10_000);
      expect(broker.read(dlq).at(-1)).toMatchObject({ key: 'sku-huge', headers: { [DLQ_HEADERS.code]: 'handler-failed' } });
      expect(broker.read(dlq).at(-1)!.headers[DLQ_HEADERS.reason]).toContain(`InferenceWorkerError: the image is ${LIMITS.maxBytes + 1} bytes`);
      expect(get.mock.calls.filter(([ref]) => ref.uri === image.uri)).toEqual([]);
    } finally {
      get.mockRestore();
    }
  });

  it('sends undecodable events straight to .dlq', async () => {
    const dlq = `${TOPICS.catalogItemUpserted.name}.dlq`;
    const before = broker.read(dlq).length;
    broker.append(TOPICS.catalogItemUpserted.name, 'sku-junk', new TextEncoder().encode('{"type":"CatalogItemUpserted","payload":{"title":7}}'), {});
    await until(() => broker.read(dlq).length === before + 1, 'the dead letter');
    expect(broker.read(dlq).at(-1)!.headers[DLQ_HEADERS.code]).toBe('bad-envelope');
    // Both a claim check and an inline image: the contract refuses it, the publisher cannot send it.
    const both = { itemId: ItemId.parse('sku-both'), title: 'Both', image: await blobs.put(fakeImageFile(1, 1), 'image/png'), imageData: { contentType: 'image/png' as const, data: 'SU1HAQEH' } };
    await expect(backend.publish(CatalogItemUpserted, both)).rejects.toThrow(/not both/);
    const envelope = { eventId: '6f1c2f5e-8d0a-4b4f-9a57-1d2c3b4a5f60', type: 'CatalogItemUpserted', eventVersion: 1, correlationId: 'c-1', occurredAt: new Date().toISOString(), producer: 'test', payload: both };
    broker.append(TOPICS.catalogItemUpserted.name, 'sku-both', new TextEncoder().encode(JSON.stringify(envelope)), {});
    await until(() => broker.read(dlq).length === before + 2, 'the second dead letter');
    expect(broker.read(dlq).at(-1)!.headers).toMatchObject({ [DLQ_HEADERS.code]: 'bad-payload' });
  });

  it('fills a batch from one partition, and embeds two versions of one item in order', async () => {
    const localBroker = new EmbeddedBroker();
    const encoder = new FakeItemEncoder();
    const producer = new EmbeddedEventBus({ broker: localBroker, producer: 'recommendation-serving' });
    await producer.start();
    // A batch leaves when 8 items wait, or after a second: whatever the consumer had in flight.
    const local = await startWorker({ broker: localBroker, blobs: new MemoryBlobStore(), encoder, env: { COHORT_ENCODER_MAX_BATCH: '8', COHORT_ENCODER_MAX_WAIT_MS: '1000' } });
    try {
      expect(await local.app.get(CatalogItemConsumer).started()).toBe(true);
      const onePartition = Array.from({ length: 200 }, (_, i) => `sku-window-${i}`).filter((id) => partitionForKey(id, TOPICS.catalogItemUpserted.partitions) === 0);
      const ids = onePartition.slice(0, 7).map((id) => ItemId.parse(id));
      const titles: string[] = []; // itemId:embedding, in the order published
      await producer.subscribe(CatalogItemEmbedded, async ({ payload }) => void titles.push(`${payload.itemId}:${payload.embedding.join(',')}`), { group: 'window-reader', policy: 'retry-then-dlq' });
      for (const itemId of ids) await producer.publish(CatalogItemUpserted, { itemId, title: `first ${itemId}` });
      await producer.publish(CatalogItemUpserted, { itemId: ids[0]!, title: 'second version' });
      await until(() => titles.length === 8, 'eight embeddings', 10_000);

      expect(encoder.batches).toEqual([7, 1]); // seven items at once; the second version waited for the first
      const first = (title: string) => `${ids[0]}:${Array.from(fakeEmbedding({ text: title })).join(',')}`;
      expect(titles.filter((entry) => entry.startsWith(`${ids[0]}:`))).toEqual([first(`first ${ids[0]}`), first('second version')]);
    } finally {
      await local.app.close();
      await producer.close();
    }
  });

  it('pauses consumption instead of refusing items when the encoder queue is full', async () => {
    const localBroker = new EmbeddedBroker();
    const localBlobs = new MemoryBlobStore();
    const encoder = new FakeItemEncoder();
    const producer = new EmbeddedEventBus({ broker: localBroker, producer: 'recommendation-serving' });
    await producer.start();
    const local = await startWorker({ broker: localBroker, blobs: localBlobs, encoder, env: { COHORT_ENCODER_MAX_BATCH: '1', COHORT_ENCODER_QUEUE_LIMIT: '1', COHORT_ENCODER_MAX_WAIT_MS: '0' } });
    try {
      expect(await local.app.get(CatalogItemConsumer).started()).toBe(true);
      const gate = latch();
      encoder.gate = gate.promise;
      const service = local.app.get(EmbeddingService);
      const depths: number[] = [];
      const ids = Array.from({ length: 12 }, (_, i) => ItemId.parse(`sku-paused-${i}`));
      for (const itemId of ids) await producer.publish(CatalogItemUpserted, { itemId, title: `Item ${itemId}` });
      // Held for longer than the bus's retry budget (100 + 200 + 400 ms): refused items would be in .dlq by now.
      for (let i = 0; i < 300; i++) {
        depths.push(service.queueDepth);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(encoder.batches).toEqual([1]); // one batch held, the rest wait upstream
      expect(Math.max(...depths)).toBe(1);
      gate.release();
      encoder.gate = undefined;
      const done = new Set<string>();
      await producer.subscribe(CatalogItemEmbedded, async ({ payload }) => void done.add(payload.itemId), { group: 'paused-reader', policy: 'retry-then-dlq' });
      await until(() => done.size === ids.length, 'every item embedded', 10_000);
      expect(localBroker.hasTopic(`${TOPICS.catalogItemUpserted.name}.dlq`) ? localBroker.read(`${TOPICS.catalogItemUpserted.name}.dlq`) : []).toEqual([]);
    } finally {
      await local.app.close();
      await producer.close();
    }
  });
});
