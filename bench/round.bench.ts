/**
 * Round benchmark (`npm run bench:round`): one training round of 1 000 simulated devices through
 * the real services — enrolment with attestation, check-in, the two-tower model's download,
 * on-device training and clipping through the SDK, the five SecAgg+ stages, noise, the server
 * step, the accountant's charge — on the embedded bus (standalone: every service in this process)
 * and on Kafka and Redis (distributed: one process per service, the devices in this one), in the
 * same run. Every device's fetch is wrapped to time the stages and count the bytes it sends and
 * receives.
 *
 * A stage's time is from the round's opening to the last device's post of that stage (so each
 * row includes the devices' work before it); `committed` is when the scheduler reported the round
 * committed, `charged` when the version's guarantee was recorded. Prints a table, writes
 * bench/results/round.json. Options: `--devices=1000`, `--modes=embedded,kafka`.
 * Needs the local broker and Redis for the Kafka run (`npm run infra:up`).
 */
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { PlanId, SECAGG_STAGE_ROUTES } from '@cohort/contracts';
import { LocalAttestationIssuer } from '@cohort/feature-client-registry';
import { enrolPopulation, OperatorClient, runRound, syntheticPartitions } from '@cohort/feature-device-simulator';
import { syntheticCatalog, twoTowerLayout } from '@cohort/ml';
import { bootstrapService, parseConfig } from '@cohort/nest-common';
import { DistributedCluster, resetCohortState } from '@cohort/testing';
import { StandaloneModule } from '../apps/standalone/src/app.module';
import { StandaloneConfig } from '../apps/standalone/src/standalone.config';

const ROOT = resolve(__dirname, '..');
const RESULTS = resolve(ROOT, 'bench/results/round.json');
const planId = PlanId.parse('plan-default');
const STAGES = Object.entries(SECAGG_STAGE_ROUTES) as Array<[keyof typeof SECAGG_STAGE_ROUTES, string]>;

/** The plan every mode runs: every device sampled, no dropouts, stages that wait long enough for 1 000 devices on two cores. */
const PLAN_ENV = {
  COHORT_SAMPLING_RATE: '1', COHORT_MIN_SURVIVORS: '3', COHORT_SECAGG_STAGE_TIMEOUT_MS: '180000', COHORT_UPLOAD_DEADLINE_MS: '600000',
  COHORT_CATALOG_ITEMS: '2000', COHORT_USER_EPSILON_CAP: '100', LOG_LEVEL: 'error',
};

interface Sent {
  readonly at: number;
  readonly url: string;
  readonly method: string;
  readonly bytesOut: number;
  bytesIn: number;
}

interface Row {
  mode: 'embedded' | 'kafka';
  devices: number;
  dimension: number;
  /** Seconds from the round's opening. */
  checkIn: number;
  stages: Record<string, number>;
  committed: number;
  charged: number;
  /** Per sampled device: what it sends, and what it receives besides the model. */
  bytesUp: number;
  bytesDown: number;
  /** What each device downloads of the model (manifest and parameters; the simulator's devices share one download). */
  modelBytes: number;
  maskedInputBytes: number;
  contributors: number;
  state: string;
}

function arg(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

/** Records every device request from now on; `stop` restores fetch. */
function recordFetch(): { sent: Sent[]; stop: () => void } {
  const real = globalThis.fetch;
  const sent: Sent[] = [];
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const body = init?.body;
    const bytesOut = body == null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : (body as ArrayBuffer).byteLength;
    const entry: Sent = { at: performance.now(), url: String(input), method: init?.method ?? 'GET', bytesOut, bytesIn: 0 };
    sent.push(entry);
    const response = await real(input, init);
    entry.bytesIn = Number(response.headers.get('content-length') ?? 0);
    return response;
  };
  return { sent, stop: () => void (globalThis.fetch = real) };
}

async function measure(
  mode: Row['mode'],
  urls: { clientRegistry: string; roundScheduler: string; secureAggregator: string; modelRegistry: string },
  keys: { device: string; operator: string },
  attestation: LocalAttestationIssuer,
  devicesCount: number,
  dimension: number,
  log: (line: string) => void,
): Promise<Row> {
  const partitions = syntheticPartitions(syntheticCatalog(2000, 20), devicesCount, 8, 11);
  const enrolStarted = performance.now();
  const devices = await enrolPopulation({
    urls, deviceApiKey: keys.device, attest: (identityKey) => attestation.mint(identityKey), partitions,
    behaviour: { dropoutRate: 0, maxStragglerMs: 0 }, seed: 3, concurrency: 32,
  });
  log(`  ${mode}: enrolled ${devices.length} devices in ${((performance.now() - enrolStarted) / 1000).toFixed(1)} s`);
  const operator = new OperatorClient(urls.roundScheduler, keys.operator, urls.modelRegistry);
  await new Promise((r) => setTimeout(r, 2_000)); // the pool and the aggregator consume the registrations
  const recording = recordFetch();
  const opened = performance.now();
  let report;
  try {
    report = await runRound(devices, operator, planId, { concurrency: 64, timeoutMs: 900_000 });
  } finally {
    recording.stop();
  }
  const committed = (performance.now() - opened) / 1000;
  const charged = report.round.modelVersion === undefined ? NaN : (await operator.awaitCharged(report.round.modelVersion, 120_000), (performance.now() - opened) / 1000);
  const since = (t: number) => (t - opened) / 1000;
  const lastOf = (match: (s: Sent) => boolean) => Math.max(...recording.sent.filter(match).map((s) => s.at));
  const stages = Object.fromEntries(STAGES.map(([stage, route]) => [stage, since(lastOf((s) => s.method === 'POST' && s.url.endsWith(`/secagg/${route}`)))]));
  const sampled = report.round.cohortSize;
  const total = (pick: (s: Sent) => number) => recording.sent.reduce((n, s) => n + pick(s), 0);
  const maskedInputs = recording.sent.filter((s) => s.url.endsWith(`/secagg/${SECAGG_STAGE_ROUTES.MaskedInput}`));
  const isModel = (s: Sent) => /\/v1\/models\/[^/]+\/(artifact|parameters|content)$/.test(s.url);
  return {
    mode, devices: devicesCount, dimension,
    checkIn: since(lastOf((s) => s.url.endsWith('/v1/rounds/check-in'))),
    stages, committed, charged,
    bytesUp: total((s) => s.bytesOut) / sampled,
    bytesDown: total((s) => (isModel(s) ? 0 : s.bytesIn)) / sampled,
    modelBytes: total((s) => (isModel(s) ? s.bytesIn : 0)),
    maskedInputBytes: maskedInputs.length === 0 ? 0 : maskedInputs[0]!.bytesOut,
    contributors: report.participation.trained,
    state: report.round.state,
  };
}

async function embedded(devices: number, log: (line: string) => void): Promise<Row> {
  const config = parseConfig(StandaloneConfig, { PORT: '0', COHORT_API_KEY: 'round-bench-development-key-0000001', ...PLAN_ENV });
  const app = await bootstrapService({ service: 'cohort-standalone', module: StandaloneModule.forRoot(config), config, shutdownSignals: [], exitOnFailure: false });
  try {
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const dimension = modelDimension(config);
    return await measure('embedded', { clientRegistry: base, roundScheduler: base, secureAggregator: base, modelRegistry: base },
      { device: config.COHORT_API_KEY!, operator: config.COHORT_API_KEY! }, app.get(LocalAttestationIssuer), devices, dimension, log);
  } finally {
    await app.close();
  }
}

async function distributed(devices: number, log: (line: string) => void): Promise<Row> {
  const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const redisUrl = `${process.env.COHORT_REDIS_URL ?? 'redis://127.0.0.1:6379'}/5`;
  const admin = new Kafka({ clientId: 'cohort-round-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await resetCohortState(admin, redisUrl);
  await admin.disconnect();
  const blobRoot = mkdtempSync(join(tmpdir(), 'cohort-round-bench-'));
  const cluster = new DistributedCluster({ baseEnv: process.env, portOffset: 2000, kafkaBrokers: brokers, redisUrl, blobRoot, env: PLAN_ENV });
  try {
    await cluster.start();
    const config = parseConfig(StandaloneConfig, { COHORT_API_KEY: 'unused-in-distributed-mode-000000001', ...PLAN_ENV });
    return await measure('kafka', cluster.deviceUrls(), cluster.keys, cluster.attestation, devices, modelDimension(config), log);
  } finally {
    await cluster.stop();
    rmSync(blobRoot, { recursive: true, force: true });
  }
}

function modelDimension(config: StandaloneConfig): number {
  return twoTowerLayout({
    contentDim: 0, idBuckets: config.COHORT_MODEL_ID_BUCKETS, embeddingDim: config.COHORT_MODEL_EMBEDDING_DIM,
    hiddenDim: config.COHORT_MODEL_HIDDEN_DIM, poolingDecay: 0.9, recencyDecay: 0.7,
  }).size;
}

function printTable(rows: readonly Row[]): void {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
  process.stdout.write(`\n| bus | devices | d | check-in s | ${STAGES.map(([s]) => `${s} s`).join(' | ')} | committed s | charged s | up B/device | down B/device | model B/device | masked input B |\n`);
  process.stdout.write(`|---|---:|---:|---:|${STAGES.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|\n`);
  for (const r of rows) {
    process.stdout.write(`| ${r.mode} | ${r.devices} | ${r.dimension} | ${f(r.checkIn)} | ${STAGES.map(([s]) => f(r.stages[s]!)).join(' | ')} | ${f(r.committed)} | ${f(r.charged)} | ${Math.round(r.bytesUp)} | ${Math.round(r.bytesDown)} | ${r.modelBytes} | ${r.maskedInputBytes} |\n`);
  }
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const devices = Number(arg('devices', '1000'));
  const modes = arg('modes', 'embedded,kafka').split(',');
  const rows: Row[] = [];
  if (modes.includes('embedded')) rows.push(await embedded(devices, log));
  if (modes.includes('kafka')) rows.push(await distributed(devices, log));
  printTable(rows);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ machine: { cpus: cpus().length, load: loadavg()[0] }, generatedAt: new Date().toISOString(), rows }, null, 2)}\n`);
  log(`wrote ${RESULTS}`);
  process.exit(0);
}

void main();
