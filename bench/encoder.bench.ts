/**
 * Item encoder benchmark (`npm run bench:encoder`): items/s and latency of inference-worker's
 * embedding path on CPU at batch 1, 8, 32 and 64, next to raw `session.run` on the same inputs,
 * in the same process and run (target: overhead ≤ 1.2× at batch 32).
 *
 * - Inputs: 64 catalog items, each text (title, category, description through `catalogItemText`,
 *   as the catalog consumer builds it) plus a 320×240 RGB picture (gradients, a disc, a diagonal
 *   texture; different per item) given as a decoded image, so both paths start from the same
 *   `DecodedImage`s (decoding files is outside what is compared). Each repetition takes the next
 *   `batch` items of the pool (round robin).
 * - worker: `EmbeddingService.embedItem` — the service and its DynamicBatcher (max batch = the
 *   batch size, max wait 5 ms, queue 256) in front of the production ONNX adapter
 *   (`itemEncoderPort`: `ItemEncoder.encodeItems`, i.e. input checks, tokenization and image
 *   preprocessing, one text and one image `session.run`, fusion). One sample = `batch` items
 *   submitted at once, until the last one resolves.
 * - raw: the same items on the same `ItemEncoder`'s sessions (one set of ORT thread pools for
 *   both paths): `textFeeds` + `imageFeeds` (the exact tensors encodeItems builds), then the two
 *   `session.run`s concurrently, as encodeItems runs them; no batcher, no fusion, no service.
 *   `run-only` (printed, not in the JSON) is the two `session.run`s alone, feeds built beforehand.
 * - Per batch size: one unmeasured warm-up sample per path, then REPS[batch] samples of each path,
 *   alternating which path goes first so that load from other work on the machine hits both.
 *   items/s = items / summed sample time; p50/p99 are the worker's per-batch latencies
 *   (nearest-rank; with few samples p99 is the slowest one). overheadRatio = raw items/s ÷ worker
 *   items/s (wall time). Printed too: the same ratio in process CPU time (user + system, all
 *   threads), which other work on a shared machine disturbs less than wall time (though ORT threads that spin while waiting for a core still inflate it).
 *
 * Prints a table, writes bench/results/encoder.json as rows
 * {batch, workerItemsPerSec, rawItemsPerSec, p50Ms, p99Ms, overheadRatio}.
 * Needs the model files (`npm run setup:models`).
 */
import 'reflect-metadata';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { defaultModelDir, ItemEncoder } from '@cohort/encoder';
import { catalogItemText, EmbeddingService, inferenceWorkerOptionsFromConfig, itemEncoderPort, onnxItemEncoderFactory, type ItemEncoderFactory, type ItemInput } from '@cohort/feature-inference-worker';
import { Logger } from '@nestjs/common';
import { MetricsRegistry, ReadinessRegistry } from '@cohort/nest-common';
import { benchItemFields, benchPicture } from './catalog-items';

const ROOT = resolve(__dirname, '..');
const RESULTS = resolve(ROOT, 'bench/results/encoder.json');
const BATCHES = [1, 8, 32, 64] as const;
const REPS: Record<(typeof BATCHES)[number], number> = { 1: 40, 8: 12, 32: 16, 64: 6 };
const POOL = 64;
const MAX_WAIT_MS = 5;

interface Row {
  batch: number;
  workerItemsPerSec: number;
  rawItemsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  overheadRatio: number;
}

function catalogItems(): ItemInput[] {
  return Array.from({ length: POOL }, (_, i) => ({ text: catalogItemText(benchItemFields(i)), image: benchPicture(320, 240, i + 1) }));
}

const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
const round = (value: number, digits: number) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  Logger.overrideLogger(['warn', 'error']); // the service's start-up lines would bury the table
  const modelDir = defaultModelDir();
  const items = catalogItems();
  const reference = await ItemEncoder.load({ modelDir, executionProvider: 'cpu' });
  await reference.warmUp();
  const textOutput = reference.textSession.outputNames[0]!;
  const imageOutput = reference.imageSession.outputNames[0]!;

  const raw = async (batch: readonly ItemInput[]) => {
    const textFeeds = reference.textFeeds(batch.map((item) => item.text!));
    const imageFeeds = reference.imageFeeds(batch.map((item) => item.image!));
    const [text, image] = await Promise.all([reference.textSession.run(textFeeds), reference.imageSession.run(imageFeeds)]);
    return [text[textOutput]!, image[imageOutput]!];
  };

  console.log(`encoder ${reference.version} (dimension ${reference.dimension}) on cpu; ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; Node ${process.version}; onnxruntime-node ${(JSON.parse(readFileSync(resolve(ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version}`);
  const rows: Row[] = [];
  const runOnlyMs: number[] = [];
  const cpuRatios: number[] = [];
  let cursor = 0;
  const next = (batch: number) => Array.from({ length: batch }, () => items[cursor++ % POOL]!);

  for (const batch of BATCHES) {
    const options = inferenceWorkerOptionsFromConfig({ COHORT_ENCODER_MAX_BATCH: String(batch), COHORT_ENCODER_MAX_WAIT_MS: String(MAX_WAIT_MS), COHORT_ENCODER_QUEUE_LIMIT: String(Math.max(256, batch)) });
    // The worker runs on the very sessions of the raw baseline (the production adapter around them):
    // one set of ORT thread pools, so the two paths differ only by what the worker adds.
    const shared: ItemEncoderFactory = { load: async () => itemEncoderPort(reference), decodeImage: onnxItemEncoderFactory.decodeImage };
    const service = new EmbeddingService(shared, { ...options, consumeCatalog: false }, new MetricsRegistry('bench', { defaultMetrics: false }), new ReadinessRegistry());
    await service.onModuleInit();
    await service.whenReady();
    const worker = (inputs: readonly ItemInput[]) => Promise.all(inputs.map((item) => service.embedItem(item, { source: 'in-process' })));

    await worker(next(batch)); // warm-up at this batch shape, both paths
    await raw(next(batch));
    const workerMs: number[] = [];
    const rawMs: number[] = [];
    const cpuMs = { worker: 0, raw: 0 };
    let runOnly = 0;
    for (let rep = 0; rep < REPS[batch]; rep++) {
      const inputs = next(batch);
      const timeWorker = async () => {
        const [started, cpu] = [performance.now(), process.cpuUsage()];
        const out = await worker(inputs);
        workerMs.push(performance.now() - started);
        cpuMs.worker += cpuMsSince(cpu);
        if (out.length !== batch) throw new Error('worker lost items');
      };
      const timeRaw = async () => {
        const [started, cpu] = [performance.now(), process.cpuUsage()];
        await raw(inputs);
        rawMs.push(performance.now() - started);
        cpuMs.raw += cpuMsSince(cpu);
      };
      if (rep % 2 === 0) {
        await timeWorker();
        await timeRaw();
      } else {
        await timeRaw();
        await timeWorker();
      }
      const textFeeds = reference.textFeeds(inputs.map((item) => item.text!));
      const imageFeeds = reference.imageFeeds(inputs.map((item) => item.image!));
      const started = performance.now();
      await Promise.all([reference.textSession.run(textFeeds), reference.imageSession.run(imageFeeds)]);
      runOnly += performance.now() - started;
    }
    // (not onApplicationShutdown: it would close the shared sessions; the batcher is idle here)

    const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
    const samples = REPS[batch];
    const workerItemsPerSec = (batch * samples * 1000) / sum(workerMs);
    const rawItemsPerSec = (batch * samples * 1000) / sum(rawMs);
    const sorted = [...workerMs].sort((a, b) => a - b);
    rows.push({
      batch,
      workerItemsPerSec: round(workerItemsPerSec, 2),
      rawItemsPerSec: round(rawItemsPerSec, 2),
      p50Ms: round(percentile(sorted, 0.5), 1),
      p99Ms: round(percentile(sorted, 0.99), 1),
      overheadRatio: round(rawItemsPerSec / workerItemsPerSec, 3),
    });
    runOnlyMs.push(runOnly / samples);
    cpuRatios.push(cpuMs.worker / cpuMs.raw);
    const rawSorted = [...rawMs].sort((a, b) => a - b);
    console.log(`batch ${batch}: ${samples} samples; raw p50 ${percentile(rawSorted, 0.5).toFixed(1)} ms; process CPU per item: worker ${(cpuMs.worker / (batch * samples)).toFixed(1)} ms, raw ${(cpuMs.raw / (batch * samples)).toFixed(1)} ms`);
  }
  await reference.close();

  console.log('');
  console.log('| batch | worker items/s | raw items/s | worker p50 ms | worker p99 ms | overhead (wall) | overhead (CPU) | run-only ms/batch |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  rows.forEach((row, i) => {
    console.log(`| ${row.batch} | ${row.workerItemsPerSec.toFixed(1)} | ${row.rawItemsPerSec.toFixed(1)} | ${row.p50Ms.toFixed(1)} | ${row.p99Ms.toFixed(1)} | ${row.overheadRatio.toFixed(3)}× | ${cpuRatios[i]!.toFixed(3)}× | ${runOnlyMs[i]!.toFixed(1)} |`);
  });
  const at32 = rows.find((row) => row.batch === 32)!;
  console.log(`\noverhead at batch 32: ${at32.overheadRatio.toFixed(3)}× (target ≤ 1.2×): ${at32.overheadRatio <= 1.2 ? 'met' : 'NOT met'}`);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
