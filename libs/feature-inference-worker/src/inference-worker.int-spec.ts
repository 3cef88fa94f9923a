/**
 * inference-worker with the real ONNX item encoder (`npm run setup:models`) on the real Kafka
 * broker (127.0.0.1:9092), in process: what it publishes for a catalog item, and what it answers
 * on `POST /v1/embed`, equals a direct `session.run` on `encoder.textFeeds/imageFeeds` followed by
 * `encoder.fuse` (≤ 1e-5 per component); garbage goes to `.dlq` or a 4xx and the worker goes on.
 *
 * Shares the broker with other suites without resetting anything: its consumer group is new and
 * starts at the current end of the catalog topic (offsets set before it joins), its item ids are
 * unique to the run, and topics are read back filtered by those ids.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { DLQ_HEADERS, KafkaEventBus, type KafkaConsumerTuning } from '@cohort/bus';
import { CatalogItemEmbedded, CatalogItemUpserted, decodeEvent, EmbedResponse, ItemId, TOPICS, type PayloadOf } from '@cohort/contracts';
import { decodeImage, defaultModelDir, ItemEncoder, type DecodedImage } from '@cohort/encoder';
import { COHORT_NEST_APP_OPTIONS, CohortCommonModule, CohortInfrastructureModule, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import { MemoryKeyValueStore } from '@cohort/state';
import { CatalogItemConsumer } from './catalog/catalog-item.consumer';
import { catalogItemText } from './catalog/catalog-item-text';
import { EmbeddingService } from './embedding/embedding.service';
import { InferenceWorkerModule } from './inference-worker.module';
import { inferenceWorkerHttpOptions, inferenceWorkerOptionsFromConfig } from './inference-worker.options';
import { encodePng, pngClaiming, testPicture } from './testing/png';

const BROKERS = ['127.0.0.1:9092'];
const KEY = 'test-backend-key-0123456789abcdefgh';
const TOLERANCE = 1e-5;
const TUNING: KafkaConsumerTuning = { sessionTimeout: 6_000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100, retry: { retries: 3, initialRetryTime: 100 } };
const run = randomUUID().slice(0, 8);
const id = (name: string) => ItemId.parse(`iw-${run}-${name}`);
const UPSERTED = TOPICS.catalogItemUpserted.name;
const EMBEDDED = TOPICS.catalogItemEmbedded.name;
const DLQ = `${UPSERTED}.dlq`;

interface Seen {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** Every message of this run (by key prefix) on the topics read back. */
const seen = new Map<string, Seen[]>([[EMBEDDED, []], [DLQ, []]]);

async function until<T>(find: () => T | undefined, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const onTopic = (topic: string, key: string) => seen.get(topic)!.find((m) => m.key === key);

function maxAbsDiff(a: readonly number[], b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('inference-worker on the real encoder and Kafka', () => {
  const kafka = new Kafka({ clientId: `iw-int-${run}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const blobs = new MemoryBlobStore();
  const backend = new KafkaEventBus({ brokers: BROKERS, clientId: `iw-int-backend-${run}`, producer: 'recommendation-serving' });
  let reader: Consumer;
  let app: INestApplication;
  let url: string;
  /** The test's own encoder: the reference every embedding is checked against. */
  let reference: ItemEncoder;

  /** What a direct session.run gives for one item: the model outputs, fused. */
  async function direct(text: string | undefined, image: DecodedImage | undefined): Promise<Float32Array> {
    const textVector = text === undefined ? undefined : ((await reference.textSession.run(reference.textFeeds([text])))[reference.textSession.outputNames[0]!]!.data as Float32Array);
    const imageVector = image === undefined ? undefined : ((await reference.imageSession.run(reference.imageFeeds([image])))[reference.imageSession.outputNames[0]!]!.data as Float32Array);
    return reference.fuse(textVector, imageVector);
  }

  const post = (path: string, body: unknown, contentType = 'application/json') =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${KEY}` },
      body: typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body),
    });

  beforeAll(async () => {
    reference = await ItemEncoder.load({ modelDir: defaultModelDir(), executionProvider: 'cpu' });
    await backend.start(); // creates the registry topics if this broker has none yet
    await admin.connect();
    await producer.connect();

    // The worker's group starts at the current end of the catalog topic: earlier runs' items are not ours.
    const group = `inference-worker.int.${run}`;
    await admin.setOffsets({ groupId: group, topic: UPSERTED, partitions: (await admin.fetchTopicOffsets(UPSERTED)).map(({ partition, high }) => ({ partition, offset: high })) });

    reader = kafka.consumer({ groupId: `iw-int-reader-${run}`, maxWaitTimeInMs: 100, heartbeatInterval: 300, sessionTimeout: 6_000 });
    await reader.connect();
    await reader.subscribe({ topics: [EMBEDDED, DLQ], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        const key = message.key?.toString('utf8') ?? '';
        if (!key.startsWith(`iw-${run}-`) || message.value === null) return;
        seen.get(topic)!.push({ key, value: message.value, headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) });
      },
    });

    const config = parseConfig(commonConfigSchema, { COHORT_MODE: 'distributed', COHORT_API_KEYS: `${KEY}=commerce-backend`, LOG_LEVEL: 'silent' });
    const options = { ...inferenceWorkerOptionsFromConfig({ COHORT_ENCODER_MAX_WAIT_MS: '5' }), consumerGroup: group };
    const moduleRef = await Test.createTestingModule({
      imports: [
        CohortCommonModule.forRoot({ service: 'inference-worker', config, http: inferenceWorkerHttpOptions(options), logDestination: { write: () => undefined }, defaultMetrics: false }),
        CohortInfrastructureModule.forRoot(config, {
          factories: {
            createEventBus: () => new KafkaEventBus({ brokers: BROKERS, clientId: `iw-int-worker-${run}`, producer: 'inference-worker', consumer: TUNING, joinTimeoutMs: 30_000 }),
            createKeyValueStore: () => new MemoryKeyValueStore(),
            createBlobStore: () => blobs,
          },
        }),
        InferenceWorkerModule.forRoot(options),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ ...COHORT_NEST_APP_OPTIONS, logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    await app.get(EmbeddingService).whenReady();
    expect(await app.get(CatalogItemConsumer).started()).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await reader?.disconnect();
    await producer.disconnect();
    await admin.disconnect();
    await backend.close();
    await reference?.close();
  });

  it('publishes CatalogItemEmbedded for upserted items, with the encoder version, equal to a direct session.run', async () => {
    const photo = encodePng(320, 240, testPicture(320, 240, 1));
    const image = await blobs.put(photo, 'image/png');
    const items: Array<PayloadOf<typeof CatalogItemUpserted>> = [
      { itemId: id('tote'), title: 'Canvas tote bag', category: 'Bags', description: 'Heavy cotton canvas, 20 litres, inner pocket.', image },
      { itemId: id('mug'), title: 'Stoneware mug, speckled glaze' },
    ];
    for (const item of items) await backend.publish(CatalogItemUpserted, item);

    for (const item of items) {
      const message = await until(() => onTopic(EMBEDDED, item.itemId), `the embedding of ${item.itemId}`);
      const event = decodeEvent(CatalogItemEmbedded, message.value).payload;
      const expected = await direct(catalogItemText(item), item.image === undefined ? undefined : decodeImage(photo));
      expect(event.encoderVersion).toBe(reference.version);
      expect(event.modalities).toEqual(item.image === undefined ? ['text'] : ['text', 'image']);
      expect(event.embedding).toHaveLength(reference.dimension);
      expect(maxAbsDiff(event.embedding, expected)).toBeLessThanOrEqual(TOLERANCE);
    }
    // Different items, different embeddings (the comparison above cannot pass on a constant).
    const [a, b] = items.map((item) => decodeEvent(CatalogItemEmbedded, onTopic(EMBEDDED, item.itemId)!.value).payload.embedding);
    expect(maxAbsDiff(a!, Float32Array.from(b!))).toBeGreaterThan(1e-3);
  });

  it('sends poison catalog messages to .dlq with the reason and goes on embedding', async () => {
    const notAnImage = await blobs.put(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5]), 'image/png');
    const bomb = await blobs.put(pngClaiming(30_000, 30_000), 'image/png');
    await backend.publish(CatalogItemUpserted, { itemId: id('corrupt'), title: 'Corrupt photo', image: notAnImage });
    await backend.publish(CatalogItemUpserted, { itemId: id('bomb'), title: 'Huge photo', image: bomb });
    const envelope = { eventId: randomUUID(), type: 'CatalogItemUpserted', eventVersion: 1, correlationId: 'c-1', occurredAt: new Date().toISOString(), producer: 'test' };
    await producer.send({
      topic: UPSERTED,
      messages: [
        { key: id('wrong-types'), value: JSON.stringify({ ...envelope, payload: { itemId: id('wrong-types'), title: 42, image: 'bytes' } }) },
        { key: id('not-json'), value: 'this is not json' },
      ],
    });
    await backend.publish(CatalogItemUpserted, { itemId: id('after'), title: 'Wool scarf', category: 'Accessories' });

    const expectations: Array<[string, string, RegExp]> = [
      [id('corrupt'), 'handler-failed', /InferenceWorkerError/],
      [id('bomb'), 'handler-failed', /InferenceWorkerError.*(pixels|too large|limit)/i],
      [id('wrong-types'), 'bad-payload', /title/],
      [id('not-json'), 'not-json', /./],
    ];
    for (const [key, code, reason] of expectations) {
      const dead = await until(() => onTopic(DLQ, key), `the dead letter of ${key}`);
      expect(dead.headers[DLQ_HEADERS.code], key).toBe(code);
      expect(dead.headers[DLQ_HEADERS.reason], key).toMatch(reason);
      expect(onTopic(EMBEDDED, key)).toBeUndefined();
    }
    const after = await until(() => onTopic(EMBEDDED, id('after')), 'the item after the garbage');
    const expected = await direct('Wool scarf\nAccessories', undefined);
    expect(maxAbsDiff(decodeEvent(CatalogItemEmbedded, after.value).payload.embedding, expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('answers POST /v1/embed with the same vector as a direct session.run, for text, image and both', async () => {
    const file = encodePng(256, 200, testPicture(256, 200, 7));
    const picture = decodeImage(file);
    const cases: Array<[Record<string, string>, string | undefined, DecodedImage | undefined]> = [
      [{ text: 'trail running shoes' }, 'trail running shoes', undefined],
      [{ image: Buffer.from(file).toString('base64') }, undefined, picture],
      [{ text: 'trail running shoes', image: Buffer.from(file).toString('base64') }, 'trail running shoes', picture],
    ];
    const answers = await Promise.all(cases.map(([body]) => post('/v1/embed', body))); // concurrent: batched together
    for (const [index, response] of answers.entries()) {
      expect(response.status).toBe(200);
      const answer = EmbedResponse.parse(await response.json());
      expect(answer.encoderVersion).toBe(reference.version);
      expect(maxAbsDiff(answer.embedding, await direct(cases[index]![1], cases[index]![2]))).toBeLessThanOrEqual(TOLERANCE);
    }
    const raw = await post('/v1/embed/image', file, 'application/octet-stream');
    expect(raw.status).toBe(200);
    expect(maxAbsDiff(EmbedResponse.parse(await raw.json()).embedding, await direct(undefined, picture))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('answers garbage with 4xx problem+json and keeps serving', async () => {
    const expectProblem = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe(code);
    };
    await expectProblem(await post('/v1/embed', { image: Buffer.from('GIF89a not a png').toString('base64') }), 400, 'invalid-image');
    await expectProblem(await post('/v1/embed/image', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]), 'application/octet-stream'), 400, 'invalid-image');
    await expectProblem(await post('/v1/embed/image', pngClaiming(30_000, 30_000), 'application/octet-stream'), 413, 'image-too-large');
    await expectProblem(await post('/v1/embed/image', encodePng(4, 4, testPicture(4, 4, 1)), 'application/octet-stream'), 400, 'invalid-image'); // below the encoder's smallest side
    await expectProblem(await post('/v1/embed', JSON.stringify({ text: 'x', image: 'A'.repeat(50 * 1024 * 1024) })), 413, 'payload-too-large');
    await expectProblem(await post('/v1/embed', { text: ['not', 'a', 'string'] }), 400, 'validation-failed');
    await expectProblem(await post('/v1/embed', { text: ' ' }), 400, 'validation-failed');
    const after = await post('/v1/embed', { text: 'still serving' });
    expect(after.status).toBe(200);
    expect(maxAbsDiff(EmbedResponse.parse(await after.json()).embedding, await direct('still serving', undefined))).toBeLessThanOrEqual(TOLERANCE);
  });
});
