/**
 * The catalog pipeline as deployed, on the real Kafka broker and a real blob directory: a commerce
 * backend pushes an item with a JPEG photo to recommendation-serving's catalog API, and
 * inference-worker publishes its embedding — equal to a direct `session.run` + `fuse` on the same
 * text and decoded photo (≤ 1e-5). The two services run as two Nest apps in this process with
 * their production modules; the worker's consumer group is new and starts at the current end of
 * the catalog topic, and the item id is unique to the run, so nothing is reset on the broker.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSystemBlobStore } from '@cohort/blob-store';
import { KafkaEventBus, type KafkaConsumerTuning } from '@cohort/bus';
import { CatalogItemEmbedded, CatalogItemPutResponse, decodeEvent, PlanId, TOPICS } from '@cohort/contracts';
import { decodeImage, defaultModelDir, ItemEncoder } from '@cohort/encoder';
import { CatalogItemConsumer, EmbeddingService, InferenceWorkerModule, inferenceWorkerHttpOptions, inferenceWorkerOptionsFromConfig } from '@cohort/feature-inference-worker';
import { CATALOG_JSON_LIMIT, RecommendationServingModule } from '@cohort/feature-recommendation-serving';
import { COHORT_NEST_APP_OPTIONS, CohortCommonModule, CohortInfrastructureModule, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import { MemoryKeyValueStore } from '@cohort/state';
import { groupAtTopicEnd } from '@cohort/testing';

const BROKERS = ['127.0.0.1:9092'];
const KEY = 'test-backend-key-0123456789abcdefgh';
const TUNING: KafkaConsumerTuning = { sessionTimeout: 6_000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 100, retry: { retries: 3, initialRetryTime: 100 } };
const PHOTO = resolve(__dirname, '../../../libs/encoder/fixtures/images/franz-kafka.jpg');
const run = randomUUID().slice(0, 8);

describe('catalog API → Kafka → inference-worker → CatalogItemEmbedded', () => {
  const blobRoot = mkdtempSync(join(tmpdir(), 'cohort-catalog-pipeline-'));
  const kafka = new Kafka({ clientId: `catalog-pipeline-${run}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const group = `inference-worker.pipeline-int.${run}`;
  const embedded = new Map<string, Buffer>();
  let reader: Consumer;
  let serving: INestApplication;
  let worker: INestApplication;
  let reference: ItemEncoder;

  async function start(service: string, feature: ReturnType<typeof InferenceWorkerModule.forRoot> | ReturnType<typeof RecommendationServingModule.forRoot>, http: object): Promise<INestApplication> {
    const config = parseConfig(commonConfigSchema, { COHORT_MODE: 'distributed', COHORT_API_KEYS: `${KEY}=commerce-backend`, COHORT_BLOB_ROOT: blobRoot, LOG_LEVEL: 'silent' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        CohortCommonModule.forRoot({ service, config, http, logDestination: { write: () => undefined }, defaultMetrics: false }),
        CohortInfrastructureModule.forRoot(config, {
          factories: {
            createEventBus: () => new KafkaEventBus({ brokers: BROKERS, clientId: `${service}-${run}`, producer: service, consumer: TUNING, joinTimeoutMs: 30_000 }),
            createKeyValueStore: () => new MemoryKeyValueStore(),
            createBlobStore: () => new FileSystemBlobStore({ root: blobRoot }),
          },
        }),
        feature,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ ...COHORT_NEST_APP_OPTIONS, logger: false });
    await app.listen(0, '127.0.0.1');
    return app;
  }

  beforeAll(async () => {
    reference = await ItemEncoder.load({ modelDir: defaultModelDir(), executionProvider: 'cpu' });
    serving = await start('recommendation-serving', RecommendationServingModule.forRoot({ planId: PlanId.parse(`plan-pipeline-${run}`), instanceId: `pipeline-${run}` }), { jsonLimit: CATALOG_JSON_LIMIT });
    await admin.connect(); // serving's bus has created the registry topics
    const topic = TOPICS.catalogItemUpserted.name;
    await groupAtTopicEnd(admin, group, topic);
    const options = { ...inferenceWorkerOptionsFromConfig({}), consumerGroup: group };
    worker = await start('inference-worker', InferenceWorkerModule.forRoot(options), inferenceWorkerHttpOptions(options));
    await worker.get(EmbeddingService).whenReady();
    expect(await worker.get(CatalogItemConsumer).started()).toBe(true);

    reader = kafka.consumer({ groupId: `catalog-pipeline-reader-${run}`, maxWaitTimeInMs: 100, heartbeatInterval: 300, sessionTimeout: 6_000 });
    await reader.connect();
    await reader.subscribe({ topics: [TOPICS.catalogItemEmbedded.name], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString('utf8') ?? '';
        if (key.startsWith(`pipe-${run}-`) && message.value !== null) embedded.set(key, message.value);
      },
    });
  }, 120_000);

  afterAll(async () => {
    await reader?.disconnect();
    await worker?.close();
    await serving?.close();
    await admin.disconnect();
    await reference?.close();
    rmSync(blobRoot, { recursive: true, force: true });
  });

  it('publishes the embedding of a pushed item, equal to a direct session.run on the same text and photo', async () => {
    const photo = new Uint8Array(readFileSync(PHOTO));
    const itemId = `pipe-${run}-portrait`;
    const url = (await serving.getUrl()).replace('[::1]', '127.0.0.1');
    const response = await fetch(`${url}/v1/catalog/items/${itemId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ title: 'Portrait print', category: 'Wall art', description: 'Black and white, A3.', image: { contentType: 'image/jpeg', data: Buffer.from(photo).toString('base64') } }),
    });
    expect(response.status).toBe(202);
    expect(CatalogItemPutResponse.parse(await response.json()).image).toMatchObject({ byteLength: photo.length, contentType: 'image/jpeg' });

    const deadline = Date.now() + 45_000;
    while (!embedded.has(itemId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const event = decodeEvent(CatalogItemEmbedded, embedded.get(itemId) ?? '').payload;
    expect(event).toMatchObject({ itemId, encoderVersion: reference.version, modalities: ['text', 'image'] });

    const textOut = await reference.textSession.run(reference.textFeeds(['Portrait print\nWall art\nBlack and white, A3.']));
    const imageOut = await reference.imageSession.run(reference.imageFeeds([decodeImage(photo)]));
    const expected = reference.fuse(textOut[reference.textSession.outputNames[0]!]!.data as Float32Array, imageOut[reference.imageSession.outputNames[0]!]!.data as Float32Array);
    expect(event.embedding).toHaveLength(expected.length);
    expect(Math.max(...event.embedding.map((value, i) => Math.abs(value - expected[i]!)))).toBeLessThanOrEqual(1e-5);
  });
});
