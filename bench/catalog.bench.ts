/**
 * Catalog ingestion benchmark (`npm run bench:catalog`): how fast one inference-worker replica
 * turns a backlog of `catalog.item-upserted` on Kafka into `catalog.item-embedded`, with the
 * catalog consumer handling one item per partition at a time (concurrency 1, the baseline) and
 * with its default window (concurrency = max batch 32), in the same process and run.
 *
 * - Items: ITEMS products (title, category, description; a 320×240 PNG photo in the blob store,
 *   by claim check as `PUT /v1/catalog/items/{id}` stores it), published on the real topic
 *   (6 partitions) before the consumer starts: the backfill case.
 * - One sample: a fresh consumer group placed at the topic's end, the backlog published, then
 *   `CatalogItemConsumer` started on a `KafkaEventBus`; timed from the subscription to the last
 *   `CatalogItemEmbedded` of the sample read back. The production adapter runs the ONNX encoder
 *   behind the production batcher (max batch 32, max wait 5 ms, queue 256); one encoder, warmed
 *   up once, serves every sample.
 * - Samples alternate between the two settings (REPEATS each) so that load from other work on
 *   the machine hits both. Reported per setting: items/s over all its samples, the mean items
 *   per encoder batch, and the speed-up over concurrency 1.
 *
 * Prints a table, writes bench/results/catalog.json as rows
 * {concurrency, items, seconds, itemsPerSec, meanBatch, speedup}. Needs the model files
 * (`npm run setup:models`) and the broker (started with tools/infra/up.sh if it does not answer).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { PNG } from 'pngjs';
import { MemoryBlobStore } from '@cohort/blob-store';
import { KafkaEventBus } from '@cohort/bus';
import { CatalogItemEmbedded, CatalogItemUpserted, ItemId, TOPICS } from '@cohort/contracts';
import { defaultModelDir, ItemEncoder } from '@cohort/encoder';
import { CatalogItemConsumer, EmbeddingService, inferenceWorkerOptionsFromConfig, itemEncoderPort, onnxItemEncoderFactory, type ItemEncoderFactory, type ItemEncoderPort } from '@cohort/feature-inference-worker';
import { MetricsRegistry, ReadinessRegistry } from '@cohort/nest-common';
import { groupAtTopicEnd } from '@cohort/testing';
import { benchItemFields, benchPicture } from './catalog-items';
import { BROKERS, ensureBroker } from './kafka-broker';

const ROOT = resolve(__dirname, '..');
const RESULTS = resolve(ROOT, 'bench/results/catalog.json');
const ITEMS = 384;
const REPEATS = 2;
const SETTINGS = [1, 32] as const;

interface Row {
  concurrency: number;
  items: number;
  seconds: number;
  itemsPerSec: number;
  meanBatch: number;
  speedup: number;
}

/** The production adapter, counting its batches. */
function countingEncoder(inner: ItemEncoderPort, counts: { batches: number; items: number }): ItemEncoderPort {
  return {
    version: inner.version,
    dimension: inner.dimension,
    provider: inner.provider,
    requestedProvider: inner.requestedProvider,
    fellBack: inner.fellBack,
    encodeItems: (items) => {
      counts.batches++;
      counts.items += items.length;
      return inner.encodeItems(items);
    },
    warmUp: () => inner.warmUp(),
    close: () => inner.close(),
  };
}

async function main(): Promise<void> {
  Logger.overrideLogger(['warn', 'error']);
  await ensureBroker();
  const reference = await ItemEncoder.load({ modelDir: defaultModelDir(), executionProvider: 'cpu' });
  const counts = { batches: 0, items: 0 };
  const factory: ItemEncoderFactory = { load: async () => countingEncoder(itemEncoderPort(reference), counts), decodeImage: onnxItemEncoderFactory.decodeImage };
  const blobs = new MemoryBlobStore();
  const photos = await Promise.all(
    Array.from({ length: 16 }, (_, i) => {
      const { width, height, data } = benchPicture(320, 240, i + 1);
      const png = new PNG({ width, height });
      for (let p = 0; p < width * height; p++) png.data.set([data[p * 3]!, data[p * 3 + 1]!, data[p * 3 + 2]!, 255], p * 4);
      return blobs.put(new Uint8Array(PNG.sync.write(png)), 'image/png');
    }),
  );

  const run = randomUUID().slice(0, 8);
  const kafka = new Kafka({ clientId: `catalog-bench-${run}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const bus = new KafkaEventBus({ brokers: BROKERS, clientId: `catalog-bench-${run}`, producer: 'catalog-bench' });
  await bus.start();
  await admin.connect();

  // Every embedding the replica publishes, by item id; the reader starts at the topic's end.
  const embedded = new Set<string>();
  let onEmbedded: () => void = () => undefined;
  const readerGroup = `catalog-bench-reader-${run}`;
  await groupAtTopicEnd(admin, readerGroup, TOPICS.catalogItemEmbedded.name);
  await bus.subscribe(CatalogItemEmbedded, async ({ payload }) => {
    embedded.add(payload.itemId);
    onEmbedded();
  }, { group: readerGroup, policy: 'retry-then-dlq' });

  console.log(`catalog ingestion on Kafka (${BROKERS[0]}), encoder ${reference.version} on cpu; ${cpus().length} cpus, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${ITEMS} items per sample, ${REPEATS} samples per setting`);
  const totals = new Map<number, { items: number; ms: number; batches: number; encoded: number }>(SETTINGS.map((c) => [c, { items: 0, ms: 0, batches: 0, encoded: 0 }]));
  // One warmed-up service for every sample: the batching settings are the same in all of them.
  const embeddings = new EmbeddingService(factory, inferenceWorkerOptionsFromConfig({}), new MetricsRegistry('bench', { defaultMetrics: false }), new ReadinessRegistry());
  await embeddings.onModuleInit();
  await embeddings.whenReady();
  for (let sample = 0; sample < REPEATS * SETTINGS.length; sample++) {
    const concurrency = SETTINGS[(sample + Math.floor(sample / SETTINGS.length)) % SETTINGS.length]!;
    const options = { ...inferenceWorkerOptionsFromConfig({ COHORT_ENCODER_CONSUMER_CONCURRENCY: String(concurrency) }), consumerGroup: `catalog-bench-${run}-${sample}` };

    await groupAtTopicEnd(admin, options.consumerGroup, TOPICS.catalogItemUpserted.name);
    const ids = Array.from({ length: ITEMS }, (_, i) => `bench-${run}-${sample}-${i}`);
    await Promise.all(
      ids.map((itemId, i) => bus.publish(CatalogItemUpserted, { itemId: ItemId.parse(itemId), ...benchItemFields(i), image: photos[i % photos.length]! })),
    );

    const consumer = new CatalogItemConsumer(bus, blobs, embeddings, options);
    const [batchesBefore, itemsBefore] = [counts.batches, counts.items];
    const allEmbedded = new Promise<void>((done) => {
      onEmbedded = () => ids.every((id) => embedded.has(id)) && done();
    });
    const started = performance.now();
    consumer.onModuleInit();
    if (!(await consumer.started())) throw new Error('the catalog consumer did not start');
    await allEmbedded;
    const ms = performance.now() - started;
    await consumer.beforeApplicationShutdown();

    const total = totals.get(concurrency)!;
    total.items += ITEMS;
    total.ms += ms;
    total.batches += counts.batches - batchesBefore;
    total.encoded += counts.items - itemsBefore;
    console.log(`sample ${sample + 1}: concurrency ${concurrency}, ${ITEMS} items in ${(ms / 1000).toFixed(2)} s, ${((counts.items - itemsBefore) / (counts.batches - batchesBefore)).toFixed(1)} items per batch`);
  }

  const baseline = totals.get(1)!;
  const rows: Row[] = SETTINGS.map((concurrency) => {
    const total = totals.get(concurrency)!;
    const itemsPerSec = (total.items * 1000) / total.ms;
    return {
      concurrency,
      items: total.items,
      seconds: Number((total.ms / 1000).toFixed(2)),
      itemsPerSec: Number(itemsPerSec.toFixed(1)),
      meanBatch: Number((total.encoded / total.batches).toFixed(1)),
      speedup: Number((itemsPerSec / ((baseline.items * 1000) / baseline.ms)).toFixed(2)),
    };
  });
  console.log('');
  console.log('| consumer concurrency | items | seconds | items/s | items per batch | speed-up |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.concurrency} | ${row.items} | ${row.seconds.toFixed(2)} | ${row.itemsPerSec.toFixed(1)} | ${row.meanBatch.toFixed(1)} | ${row.speedup.toFixed(2)}× |`);

  onEmbedded = () => undefined;
  await bus.close();
  await admin.disconnect();
  await reference.close();
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
