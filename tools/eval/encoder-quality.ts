/**
 * `npm run eval:encoder`: are the item encoder's embeddings meaningful? Embeds the Fashion-MNIST
 * test split and Superstore's product names with `@cohort/encoder`'s ItemEncoder and scores them
 * against raw-pixel kNN and TF-IDF on the same items (encoder-quality-core.ts says exactly how).
 * Prints a table and writes bench/results/encoder-quality.json.
 *
 * Options: --images-per-class N (default: the whole test split, 1 000 per class), --texts N
 * (default: all distinct names), --seed S (subsets; default 7), --batch B (items per
 * session.run; default 32), --threads T (ORT intra-op threads), --provider cpu|cuda, --out FILE,
 * --no-write (print only).
 * Needs `npm run setup:models` (the encoder) and builds the data sets itself when missing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { loadFashionMnist, loadSuperstore } from '@cohort/catalog-data';
import { type ExecutionProvider, ItemEncoder, defaultModelDir } from '@cohort/encoder';
import { REPO_ROOT, openDataset } from '@cohort/datasets';
import { ensureDatasets } from '../data/setup';
import { type EncoderQualityReport, evaluateEncoderQuality, formatReport } from './encoder-quality-core';

export const DEFAULT_RESULT_FILE = resolve(REPO_ROOT, 'bench', 'results', 'encoder-quality.json');

export interface RunOptions {
  readonly imagesPerClass?: number;
  readonly texts?: number;
  readonly seed?: number;
  readonly batchSize?: number;
  readonly intraOpThreads?: number;
  readonly provider?: ExecutionProvider;
  readonly log?: (line: string) => void;
}

/** Loads the data and the encoder, runs the evaluation, closes the encoder. */
export async function runEncoderQuality(options: RunOptions = {}): Promise<EncoderQualityReport & { provider: string }> {
  const log = options.log ?? (() => undefined);
  ensureDatasets({ log });
  const [fashionTest, superstore] = await Promise.all([loadFashionMnist(openDataset('fashion-mnist'), 'test'), loadSuperstore(openDataset('superstore'))]);
  const encoder = await ItemEncoder.load({
    modelDir: defaultModelDir(),
    executionProvider: options.provider ?? 'cpu',
    ...(options.intraOpThreads !== undefined ? { intraOpThreads: options.intraOpThreads } : {}),
    logger: { info: () => undefined, warn: (fields, message) => log(`${message} ${JSON.stringify(fields)}`) },
  });
  try {
    await encoder.warmUp();
    const report = await evaluateEncoderQuality(encoder, { fashionTest, superstore }, {
      imagesPerClass: options.imagesPerClass,
      texts: options.texts,
      seed: options.seed ?? 7,
      k: 10,
      batchSize: options.batchSize ?? 32,
      log,
    });
    return { ...report, provider: encoder.provider };
  } finally {
    await encoder.close();
  }
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function positiveInteger(args: string[], name: string): number | undefined {
  const raw = option(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer; got ${raw}`);
  return n;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const provider = (option(args, '--provider') ?? 'cpu') as ExecutionProvider;
  if (provider !== 'cpu' && provider !== 'cuda') throw new Error(`--provider must be cpu or cuda; got ${provider}`);
  const out = resolve(option(args, '--out') ?? DEFAULT_RESULT_FILE);
  const started = performance.now();
  const report = await runEncoderQuality({
    imagesPerClass: positiveInteger(args, '--images-per-class'),
    texts: positiveInteger(args, '--texts'),
    seed: positiveInteger(args, '--seed'),
    batchSize: positiveInteger(args, '--batch'),
    intraOpThreads: positiveInteger(args, '--threads'),
    provider,
    log: (line) => process.stderr.write(`eval:encoder: ${line}\n`),
  });
  const result = {
    ...report,
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverage1m: Number(loadavg()[0].toFixed(2)) },
    totalSeconds: (performance.now() - started) / 1000,
  };
  process.stdout.write(`${formatReport(report)}\n`);
  if (!args.includes('--no-write')) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(`eval:encoder: wrote ${out}\n`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`eval:encoder: error: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
