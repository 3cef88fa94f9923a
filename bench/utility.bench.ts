/**
 * Utility benchmark (`npm run bench:utility`): what user-level DP costs in recommendation quality,
 * on real purchases. For each population and method it trains the two-tower model of `@cohort/ml`
 * and evaluates it leave-last-order-out on every user (`@cohort/ml` evaluation: HR@10 and NDCG@10
 * of the first item of the last order against 99 never-bought items, Recall@20 and NDCG@20 of the
 * last basket over the full catalog; the same negatives for every method).
 *
 * Methods:
 *  - popularity, repeat: the non-learned baselines (repeat = the user's own purchase counts,
 *    popularity breaking ties — strong on grocery data);
 *  - initial: the model's initial version, trained by no one (for a content tower: initialized
 *    from the catalog's principal directions, so it already ranks by content similarity);
 *  - centralized: the same model and local-training code, trained by SGD over the pooled users
 *    (each user's examples in turn, no clipping, no noise);
 *  - federated: DP-FedAvg rounds through the utility simulation path
 *    (`@cohort/feature-device-simulator` simulateRound: SDK training and clipping, quantization at
 *    the aggregator's scale, the sum mod 2^32, the aggregator's Gaussian noise), Poisson sampling at
 *    rate q, the population's server optimizer (FedAvg here); without noise (z = 0), and with z calibrated by `@cohort/dp` to
 *    ε ∈ {1, 4, 8} at δ = 1e-6 over the run's rounds (RDP accountant).
 * Every device holds out its last order: it trains on the others, and evaluation predicts it.
 *
 * Writes bench/results/utility.json (rows {population, method, epsilon, delta, hr10, ndcg10,
 * recall20, ndcg20, …}) and prints a table. Options: `--population=instacart,synthetic-100k`
 * (default: instacart), `--methods=popularity,repeat,initial,…`, `--rounds=N`, `--epsilons=1,4,8`,
 * `--tower=id` (synthetic-100k: hashed item ids instead of content), `--init=random` (a content
 * tower's projection from the seeded Glorot start instead of the catalog's principal directions),
 * `--override=<JSON>` (tuning).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { generateSyntheticPopulation, loadInstacart, loadSuperstore, populationModelFromSuperstore } from '@cohort/catalog-data';
import { ItemEncoder, defaultModelDir } from '@cohort/encoder';
import { DeviceTrainer, OnDeviceModel, type DeviceOrder } from '@cohort/client-sdk';
import { GaussianSampler, calibrateNoiseMultiplier } from '@cohort/dp';
import { simulateRound } from '@cohort/feature-device-simulator';
import {
  addMetrics, applyServerStep, emptyMetrics, evaluatePopulation, initProjectionFromContent, initTwoTowerParameters, itemPopularity, meanMetrics,
  popularityScorer, repeatScorer, seededRandom, twoTowerLayout, userRandom,
  type MetricMeans, type MetricSums, type PurchaseHistory, type ServerOptimizerState,
} from '@cohort/ml';
import type { LocalTrainingPlan, ServerOptimizer, TwoTowerConfig } from '@cohort/contracts';
import { openDataset } from '@cohort/datasets';

const ROOT = resolve(__dirname, '..');
const RESULTS = resolve(ROOT, 'bench/results/utility.json');
const EVAL_SEED = 20_261_204;
const DELTA = 1e-6;

interface Population {
  readonly name: 'instacart' | 'synthetic-100k';
  readonly itemIds: readonly string[];
  /** Per user, their orders (oldest first) as item ids. */
  readonly users: readonly (readonly DeviceOrder[])[];
  readonly content?: Float32Array;
  /** The users every method is evaluated on (all, or a fixed sample of a large population). */
  readonly evaluated: number;
}

interface Setup {
  readonly config: TwoTowerConfig;
  readonly training: LocalTrainingPlan;
  readonly centralEpochs: number;
  /** Learning rate of centralized SGD: nothing clips its steps, so it diverges at the devices' rate. */
  readonly centralLearningRate: number;
  /** Users per centralized epoch (a shuffled subset; default all) — e.g. as many user updates as the federated run makes. */
  readonly centralUsersPerEpoch?: number;
  readonly rounds: number;
  readonly samplingRate: number;
  readonly clipNorm: number;
  readonly optimizer: ServerOptimizer;
  /** The ID-tower configuration `--tower=id` trains instead (content vs ID). */
  readonly idConfig?: TwoTowerConfig;
}

interface Row extends MetricMeans {
  population: string;
  method: string;
  /** The `--override` the row was run with (null: the population's setup as written here). */
  override: string | null;
  /** 'content' | 'id' | 'content+id' for model rows. */
  tower: string | null;
  /** How a content tower's projection started: 'content' (the catalog's principal directions) or 'random' (`--init=random`); null otherwise. */
  init: 'content' | 'random' | null;
  epsilon: number | null;
  delta: number | null;
  noiseMultiplier: number | null;
  rounds: number | null;
  samplingRate: number | null;
  clipNorm: number | null;
  dimension: number | null;
  seconds: number;
}

/**
 * Settings per population, chosen on the no-DP federated run (server FedAvg at learning rate 1
 * beat FedAdam at 0.01–0.05 on Recall@20 after 20–40 rounds; see docs/benchmarks.md) and then kept
 * for every method, so the rows differ only in what they name.
 */
const SETUPS: Record<Population['name'], Setup> = {
  instacart: {
    config: { contentDim: 0, idBuckets: 16_384, embeddingDim: 32, hiddenDim: 64, poolingDecay: 0.9, recencyDecay: 0.7 },
    training: {
      epochs: 1, learningRate: 0.5, negatives: 64, loss: 'sampled-softmax',
      reconstructionEpochs: 1, privateLearningRate: 0.1, privateL2: 0.1, maxExamplesPerEpoch: 8,
    },
    centralEpochs: 6,
    centralLearningRate: 0.2,
    rounds: 60,
    samplingRate: 0.2,
    clipNorm: 1,
    optimizer: { kind: 'fedavg', learningRate: 1 },
  },
  'synthetic-100k': {
    config: { contentDim: 960, idBuckets: 0, embeddingDim: 16, hiddenDim: 32, poolingDecay: 0.9, recencyDecay: 0.7 },
    training: {
      epochs: 1, learningRate: 0.2, negatives: 16, loss: 'sampled-softmax',
      reconstructionEpochs: 1, privateLearningRate: 0.1, privateL2: 0.1, maxExamplesPerEpoch: 4,
    },
    centralEpochs: 1,
    centralLearningRate: 0.05,
    centralUsersPerEpoch: 10_000,
    rounds: 40,
    samplingRate: 0.01,
    clipNorm: 1,
    // The average of 1 000 clipped updates (median norm ≈ 0.74 at client lr 0.2) is a small step: the server takes five.
    optimizer: { kind: 'fedavg', learningRate: 5 },
    // `--tower=id`: the content-vs-ID comparison — hashed item ids in place of the content (4 096 rows for 1 862 items).
    idConfig: { contentDim: 0, idBuckets: 4_096, embeddingDim: 16, hiddenDim: 32, poolingDecay: 0.9, recencyDecay: 0.7 },
  },
};

/** `--override='{"training":{"learningRate":0.5}}'`: a JSON object merged into the population's setup (tuning). */
function withOverrides(setup: Setup): Setup {
  const merge = (base: unknown, patch: unknown): unknown =>
    typeof patch === 'object' && patch !== null && typeof base === 'object' && base !== null
      ? Object.fromEntries([...new Set([...Object.keys(base), ...Object.keys(patch)])].map((k) => [k, k in patch ? merge((base as Record<string, unknown>)[k], (patch as Record<string, unknown>)[k]) : (base as Record<string, unknown>)[k]]))
      : patch;
  const patch = arg('override');
  const merged = patch === undefined ? setup : (merge(setup, JSON.parse(patch)) as Setup);
  if (arg('tower') !== 'id') return merged;
  if (merged.idConfig === undefined) throw new Error('this population has no ID-tower configuration');
  return { ...merged, config: merged.idConfig };
}

function arg(name: string): string | undefined {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found?.slice(name.length + 3);
}

async function instacartPopulation(): Promise<Population> {
  const data = await loadInstacart(openDataset('instacart'));
  return {
    name: 'instacart',
    itemIds: data.productIds.map(String),
    users: data.users.map((user) => user.orders.map((order) => order.productIds.map(String))),
    evaluated: data.users.length,
  };
}

const SYNTHETIC_USERS = 100_000;
/** Users are drawn independently, so the first 3 000 are a random sample of the population. */
const SYNTHETIC_EVALUATED = 3_000;

/**
 * 100 000 synthetic shoppers over the real Superstore catalog (`@cohort/catalog-data`, docs/data.md):
 * planted sub-category tastes, each purchase its own order. Item content: the encoder's fused
 * embedding of each product name (text part; no product photo exists, so the image block is zero),
 * computed once and cached under .cache/utility/.
 */
async function syntheticPopulation(): Promise<Population> {
  const superstore = await loadSuperstore(openDataset('superstore'));
  const model = populationModelFromSuperstore(superstore);
  const population = generateSyntheticPopulation(model, { users: SYNTHETIC_USERS, seed: 2026 });
  const users: DeviceOrder[][] = [];
  for (let u = 0; u < population.users; u++) {
    const orders: DeviceOrder[] = [];
    for (let k = population.historyOffsets[u]!; k < population.historyOffsets[u + 1]!; k++) orders.push([model.productIds[population.historyItems[k]!]!]);
    users.push(orders);
  }
  return { name: 'synthetic-100k', itemIds: model.productIds, users, content: await productContent(superstore.products, model.productIds), evaluated: SYNTHETIC_EVALUATED };
}

async function productContent(products: readonly { productId: string; name: string }[], productIds: readonly string[]): Promise<Float32Array> {
  const cache = resolve(ROOT, '.cache/utility/superstore-content.f32');
  const dim = 960;
  if (existsSync(cache)) {
    const bytes = readFileSync(cache);
    if (bytes.length === productIds.length * dim * 4) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  const names = new Map(products.map((p) => [p.productId, p.name]));
  const encoder = await ItemEncoder.load({ modelDir: defaultModelDir(), executionProvider: 'cpu' });
  const content = new Float32Array(productIds.length * dim);
  try {
    for (let i = 0; i < productIds.length; i += 32) {
      const batch = productIds.slice(i, i + 32).map((id) => ({ text: names.get(id)! }));
      (await encoder.encodeItems(batch)).forEach((embedding, j) => content.set(embedding, (i + j) * dim));
    }
  } finally {
    await encoder.close();
  }
  mkdirSync(dirname(cache), { recursive: true });
  writeFileSync(cache, new Uint8Array(content.buffer));
  return content;
}

function historiesOf(population: Population): PurchaseHistory[] {
  const indexOf = new Map(population.itemIds.map((id, i) => [id, i]));
  return population.users.map((orders) => ({ orders: orders.map((order) => Int32Array.from(order, (id) => indexOf.get(id)!)) }));
}

function towerOf(config: TwoTowerConfig): string {
  return [config.contentDim > 0 ? 'content' : '', config.idBuckets > 0 ? 'id' : ''].filter(Boolean).join('+');
}

/** A result row: every field null but those given. */
function rowOf(population: Population, method: string, started: number, metrics: MetricMeans, fields: Partial<Row>): Row {
  return {
    population: population.name, method, override: arg('override') ?? null, tower: null, init: null, epsilon: null, delta: null, noiseMultiplier: null,
    rounds: null, samplingRate: null, clipNorm: null, dimension: null, ...fields, seconds: (performance.now() - started) / 1000, ...metrics,
  };
}

/** The fields every row of a trained (or initial) model names. */
function modelFields(setup: Setup): Pick<Row, 'tower' | 'init'> {
  return { tower: towerOf(setup.config), init: initOf(setup) };
}

function initOf(setup: Setup): Row['init'] {
  if (setup.config.contentDim === 0) return null;
  return arg('init') === 'random' ? 'random' : 'content';
}

function baselineRows(population: Population): Row[] {
  const histories = historiesOf(population);
  const itemCount = population.itemIds.length;
  const popularity = itemPopularity(histories, itemCount);
  const run = (method: string, scorer: ReturnType<typeof popularityScorer>): Row => {
    const started = performance.now();
    const sums = evaluatePopulation(histories.slice(0, population.evaluated), () => scorer, { itemCount, seed: EVAL_SEED });
    return rowOf(population, method, started, meanMetrics(sums), {});
  };
  return [run('popularity', popularityScorer(popularity)), run('repeat', repeatScorer(popularity))];
}

function trainersOf(population: Population, seed: number): DeviceTrainer[] {
  const random = seededRandom(seed);
  return population.users.map((orders) => new DeviceTrainer(orders, { random: seededRandom(Math.floor(random() * 2 ** 31)), holdOutLastOrder: true }));
}

function evaluateDevices(trainers: readonly DeviceTrainer[], model: OnDeviceModel, evaluated: number): MetricSums {
  let sums = emptyMetrics();
  trainers.slice(0, evaluated).forEach((trainer, u) => {
    const result = trainer.evaluate(model, userRandom(EVAL_SEED, u));
    if (result !== null) sums = addMetrics(sums, result);
  });
  return sums;
}

function baseModel(population: Population, setup: Setup): OnDeviceModel {
  const layout = twoTowerLayout(setup.config);
  const params = initTwoTowerParameters(layout, 1);
  // The catalog's content is public: its principal directions start the projection (docs/model.md).
  if (initOf(setup) === 'content' && population.content !== undefined) initProjectionFromContent(layout, params, population.content, 1);
  const prior = arg('feature-prior');
  if (prior !== undefined) params.fill(Number(prior), layout.offset('score.features'), layout.offset('score.features') + 3);
  return new OnDeviceModel({
    modelVersion: 'init', config: setup.config, training: setup.training, itemIds: population.itemIds,
    params, ...(population.content === undefined ? {} : { content: population.content }),
  });
}

/** The initial version, trained by nobody: what the rounds start from (for a content tower, ranking by content similarity). */
function initialRow(population: Population, setup: Setup): Row {
  const started = performance.now();
  const model = baseModel(population, setup);
  const metrics = meanMetrics(evaluateDevices(trainersOf(population, 7), model, population.evaluated));
  return rowOf(population, 'initial', started, metrics, { ...modelFields(setup), rounds: 0, dimension: model.params.length });
}

function centralizedRow(population: Population, setup: Setup, log: (line: string) => void): Row {
  const started = performance.now();
  const trainers = trainersOf(population, 7);
  let model = baseModel(population, { ...setup, training: { ...setup.training, learningRate: setup.centralLearningRate } });
  const params = Float32Array.from(model.params);
  const random = seededRandom(99);
  for (let epoch = 0; epoch < setup.centralEpochs; epoch++) {
    const order = trainers.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const u of order.slice(0, setup.centralUsersPerEpoch ?? order.length)) {
      model = model.withParams(`central-${epoch}`, params);
      const { update } = trainers[u]!.computeUpdate(model, Number.MAX_VALUE);
      for (let i = 0; i < params.length; i++) params[i] += update[i]!;
    }
    log(`  centralized epoch ${epoch + 1}/${setup.centralEpochs}: HR@10 ${meanMetrics(evaluateDevices(trainers, model.withParams('central', params), population.evaluated)).hr10.toFixed(4)}`);
  }
  const metrics = meanMetrics(evaluateDevices(trainers, model.withParams('central', params), population.evaluated));
  return rowOf(population, 'centralized', started, metrics, { ...modelFields(setup), dimension: params.length });
}

function federatedRow(population: Population, setup: Setup, targetEpsilon: number | null, log: (line: string) => void): Row {
  const started = performance.now();
  const rounds = Number(arg('rounds') ?? setup.rounds);
  const noiseMultiplier = targetEpsilon === null ? 0 : calibrateNoiseMultiplier({ targetEpsilon, delta: DELTA, samplingRate: setup.samplingRate, steps: rounds }).noiseMultiplier;
  const trainers = trainersOf(population, 7);
  let model = baseModel(population, setup);
  let params = model.params;
  let state: ServerOptimizerState = { step: 0 };
  const random = seededRandom(1234);
  const roundingRandom = seededRandom(4321);
  const noise = new GaussianSampler();
  const mechanism = { samplingRate: setup.samplingRate, noiseMultiplier, clipNorm: setup.clipNorm };
  for (let t = 1; t <= rounds; t++) {
    model = model.withParams(`v${t - 1}`, params);
    const round = simulateRound({ devices: trainers, model, mechanism, random, rounding: roundingRandom, noise });
    ({ params, state } = applyServerStep(params, state, round.noisedSum, round.expectedCohortSize, setup.optimizer));
    if (t % 20 === 0 || t === rounds) {
      const hr10 = meanMetrics(evaluateDevices(trainers, model.withParams(`v${t}`, params), population.evaluated)).hr10;
      log(`  federated ε=${targetEpsilon ?? '∞'} round ${t}/${rounds}: cohort ${round.contributors}, loss ${round.meanLoss.toFixed(3)}, HR@10 ${hr10.toFixed(4)}`);
    }
  }
  const metrics = meanMetrics(evaluateDevices(trainers, model.withParams('final', params), population.evaluated));
  return rowOf(population, targetEpsilon === null ? 'federated' : 'federated-dp', started, metrics, {
    ...modelFields(setup), epsilon: targetEpsilon, delta: targetEpsilon === null ? null : DELTA, noiseMultiplier, rounds,
    samplingRate: setup.samplingRate, clipNorm: setup.clipNorm, dimension: params.length,
  });
}

function printTable(rows: readonly Row[]): void {
  const f = (x: number | null, digits = 4) => (x === null ? '—' : x.toFixed(digits));
  process.stdout.write('\n| population | method | tower | init | ε | z | HR@10 | NDCG@10 | Recall@20 | NDCG@20 | s |\n|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.population} | ${r.method} | ${r.tower ?? '—'} | ${r.init ?? '—'} | ${r.epsilon ?? '∞'} | ${f(r.noiseMultiplier, 3)} | ${f(r.hr10)} | ${f(r.ndcg10)} | ${f(r.recall20)} | ${f(r.ndcg20)} | ${r.seconds.toFixed(1)} |\n`);
  }
}

/** Rows of populations and methods not rerun this time are kept; written after every row, so a long run loses nothing. */
function save(rows: readonly Row[]): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  let previous: Row[] = [];
  try {
    previous = (JSON.parse(readFileSync(RESULTS, 'utf8')) as { rows: Row[] }).rows;
  } catch {
    previous = [];
  }
  const key = (r: Row) => `${r.population}/${r.method}/${r.tower}/${r.init ?? 'content'}/${r.epsilon}`;
  const fresh = new Set(rows.map(key));
  const merged = [...previous.filter((r) => !fresh.has(key(r))), ...rows];
  writeFileSync(RESULTS, `${JSON.stringify({ machine: { cpus: cpus().length, load: loadavg()[0] }, generatedAt: new Date().toISOString(), rows: merged }, null, 2)}\n`);
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const methods = (arg('methods') ?? 'popularity,repeat,initial,centralized,federated,federated-dp').split(',');
  const epsilons = (arg('epsilons') ?? '1,4,8').split(',').map(Number);
  const populations = (arg('population') ?? 'instacart').split(',') as Population['name'][];
  const rows: Row[] = [];
  const add = (row: Row) => {
    rows.push(row);
    save(rows);
  };
  for (const name of populations) {
    const population = name === 'instacart' ? await instacartPopulation() : await syntheticPopulation();
    const setup = withOverrides(SETUPS[name]);
    log(`${name}: ${population.users.length} users (${population.evaluated} evaluated), ${population.itemIds.length} items, d = ${twoTowerLayout(setup.config).size}`);
    if (methods.includes('popularity') || methods.includes('repeat')) for (const row of baselineRows(population)) if (methods.includes(row.method)) add(row);
    if (methods.includes('initial')) add(initialRow(population, setup));
    if (methods.includes('centralized')) add(centralizedRow(population, setup, log));
    if (methods.includes('federated')) add(federatedRow(population, setup, null, log));
    if (methods.includes('federated-dp')) for (const epsilon of epsilons) add(federatedRow(population, setup, epsilon, log));
    printTable(rows);
  }
  log(`wrote ${RESULTS}`);
}

void main();
