/**
 * DP accountant benchmark (`npx tsx bench/dp.bench.ts`; npm script `bench:dp`): time to ε for
 * T = 10 000 rounds of the Poisson-subsampled Gaussian (q = 0.01, z = 1, δ = 1e-5) with the RDP
 * accountant (exact and conservative modes; target < 5 ms) and the PLD accountant at
 * value_discretization_interval 1e-4 (target < 1 s), next to the time Google's dp_accounting took
 * for the same computation (recorded by tools/dp-fixtures/generate.py in
 * libs/dp/fixtures/timing.json, on the machine and at the time the fixtures were generated).
 *
 * Each timing is "build a fresh accountant, compose, get ε": RUNS runs after one warm-up run;
 * `seconds` is the median wall time, `cpuSeconds` the median process CPU time (user + system —
 * robust when other work shares the machine). Prints a table and writes bench/results/dp.json as
 * an array of rows {case, accountant, seconds, referenceSeconds, cpuSeconds, referenceCpuSeconds, …}.
 *
 * Compliance query (dp-accountant): the time to answer "what has user X spent" for one user in a
 * population of 1 000 000 users after 10 000 rounds (target p99 < 10 ms). The population joins in
 * 100 cohorts of 10 000, one every 100 rounds, and stays eligible (q = 0.001, z = 1), except 1 % of
 * each cohort who leave at a random round — the charge profiles the projector keeps for that
 * history (one group per cohort, one per leaver, each with its rounds per mechanism and its list of
 * entries) are bulk-loaded into the store, since recording 10 000 rounds of up to 1 000 000
 * eligible users each is not what is measured. Timed: `PrivacyQueryService.user` on random users
 * (in-memory store, and Redis when one answers on 127.0.0.1:6379, database 6), and
 * `GET /v1/privacy/users/{userId}` over HTTP on the real Nest app (in-memory store). `seconds` is
 * the p99; `referenceSeconds` is the naive answer to the same question: composing the user's
 * rounds one by one (10 000 per-round RDP curves summed, then converted; no I/O at all).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus } from '@cohort/bus';
import { PlanId, UserId } from '@cohort/contracts';
import { PldAccountant, RdpAccountant, gaussianEvent, poissonSampled, rdpPoissonSubsampledGaussian, epsilonFromRdp, DEFAULT_RDP_ORDERS, selfComposed } from '@cohort/dp';
import {
  DpAccountantModule, LedgerLifecycle, PrivacyArithmetic, PrivacyQueryService, ProjectionRepository,
  type DpAccountantOptions, type GroupRecord,
} from '@cohort/feature-dp-accountant';
import { COHORT_NEST_APP_OPTIONS, CohortCommonModule, CohortInfrastructureModule, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import { type KeyValueStore, MemoryKeyValueStore, RedisKeyValueStore } from '@cohort/state';

const ROOT = resolve(__dirname, '..');
const RESULTS = resolve(ROOT, 'bench/results/dp.json');
const TIMING = resolve(ROOT, 'libs/dp/fixtures/timing.json');

interface Reference {
  case: { samplingRate: number; noiseMultiplier: number; steps: number; delta: number };
  rdp: { seconds: number; cpuSeconds?: number; epsilon: number };
  pld: { seconds: number; cpuSeconds?: number; epsilon: number };
}

interface Row {
  case: string;
  accountant: string;
  seconds: number;
  referenceSeconds: number;
  cpuSeconds: number;
  referenceCpuSeconds: number | null;
  targetSeconds: number;
  epsilon: number;
  referenceEpsilon: number;
  runs: number;
  /** Compliance-query rows: the median next to the p99 in `seconds`. */
  p50Seconds?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(runs: number, f: () => number): { seconds: number; cpuSeconds: number; value: number } {
  let value = f(); // warm-up: JIT, twiddle tables
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    value = f();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { seconds: median(wall), cpuSeconds: median(cpu), value };
}

// ---- compliance query: one user among 1 000 000 after 10 000 rounds ----

const USERS = 1_000_000;
const ROUNDS = 10_000;
const COHORTS = 100;
const LEAVERS_PER_COHORT = 100;
const Q = 0.001;
const Z = 1;
const DELTA = 1e-6;
const planId = PlanId.parse('plan-bench');
const userOf = (i: number) => `user-${String(i).padStart(7, '0')}`;

/** A deterministic generator (xorshift32), so every run builds the same population. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Population {
  readonly groups: Map<string, GroupRecord>;
  readonly own: Map<string, number[]>;
  readonly userGroup: Map<string, string>;
}

/** The charge profiles the projector keeps after the 10 000 rounds described above. */
function population(): Population {
  const random = rng(42);
  const perCohort = USERS / COHORTS;
  const groups = new Map<string, GroupRecord>();
  const own = new Map<string, number[]>();
  const userGroup = new Map<string, string>();
  const profile = (depth: number, lastSequence: number) => ({ depth, lastSequence, mechanisms: depth === 0 ? [] : [{ planId, samplingRate: Q, noiseMultiplier: Z, rounds: depth }] });
  for (let c = 0; c < COHORTS; c++) {
    const joins = 1 + c * (ROUNDS / COHORTS);
    const cohortGroup = `g${joins}.0`;
    // Leavers: eligible from `joins` up to the round before they leave; each a group of one,
    // split from the cohort's group (the projector moves the smaller side).
    const leaving = new Map<number, number>(); // user index → round it is no longer eligible
    while (leaving.size < LEAVERS_PER_COHORT) leaving.set(c * perCohort + Math.floor(random() * perCohort), joins + 1 + Math.floor(random() * (ROUNDS - joins)));
    let k = 1;
    for (const [u, leaves] of leaving) {
      const groupId = `g${leaves}.${k++}`;
      groups.set(groupId, { size: 1, profile: profile(leaves - joins, leaves - 1), origin: { group: cohortGroup, depth: leaves - joins } });
      userGroup.set(userOf(u), groupId);
    }
    const depth = ROUNDS - joins + 1;
    groups.set(cohortGroup, { size: perCohort - LEAVERS_PER_COHORT, profile: profile(depth, ROUNDS), origin: null });
    own.set(cohortGroup, Array.from({ length: depth }, (_, i) => joins + i));
    for (let u = c * perCohort; u < (c + 1) * perCohort; u++) if (!leaving.has(u)) userGroup.set(userOf(u), cohortGroup);
  }
  return { groups, own, userGroup };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function timeQueries(count: number, query: (userId: UserId) => Promise<number | null>): Promise<{ p50: number; p99: number; cpuPerQuery: number; epsilon: number }> {
  const random = rng(7);
  const pick = () => UserId.parse(userOf(Math.floor(random() * USERS)));
  for (let i = 0; i < Math.min(1000, count); i++) await query(pick()); // warm-up
  const times: number[] = [];
  let epsilon = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const userId = pick();
    const t0 = process.hrtime.bigint();
    const e = await query(userId);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    epsilon = Math.max(epsilon, e ?? Infinity);
  }
  const c = process.cpuUsage(c0);
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), cpuPerQuery: (c.user + c.system) / 1e6 / count, epsilon };
}

/** `GET /v1/privacy/users/{userId}` against the real Nest app reading `store`, client and server in this process. */
async function timeHttpQueries(store: KeyValueStore, count: number): ReturnType<typeof timeQueries> {
  const key = 'bench-compliance-key-0123456789abcdef';
  const config = parseConfig(commonConfigSchema, { COHORT_API_KEYS: `${key}=compliance`, COHORT_API_KEY: 'bench-development-key-0123456789ab', LOG_LEVEL: 'silent' });
  const moduleRef = await Test.createTestingModule({
    imports: [
      CohortCommonModule.forRoot({ service: 'dp-accountant', config, logDestination: { write: () => undefined }, defaultMetrics: false }),
      CohortInfrastructureModule.forRoot(config, { factories: { createEventBus: () => new EmbeddedEventBus(), createKeyValueStore: () => store, createBlobStore: () => new MemoryBlobStore() } }),
      DpAccountantModule.forRoot(OPTIONS),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ ...COHORT_NEST_APP_OPTIONS, logger: false });
  await app.listen(0, '127.0.0.1');
  await app.get(LedgerLifecycle).whenReady();
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 }); // a compliance client with one kept-alive connection
  try {
    return await timeQueries(count, async (u) => {
      const { status, body } = await get(agent, `${url}/v1/privacy/users/${u}`, { authorization: `Bearer ${key}` });
      if (status !== 200) throw new Error(`GET answered ${status}`);
      return (JSON.parse(body) as { epsilon: number | null }).epsilon;
    });
  } finally {
    agent.destroy();
    await app.close();
  }
}

function get(agent: Agent, url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    }).on('error', reject).end();
  });
}

/** A database of its own, emptied before and after. */
const REDIS_BENCH_URL = 'redis://127.0.0.1:6379/6';

const OPTIONS: DpAccountantOptions = { userEpsilonCap: 10, delta: DELTA, planEpsilonCap: null, inlineUserIds: 1000, replayQuietMs: 20, appendTimeoutMs: 15_000 };

async function openRedis(): Promise<KeyValueStore | null> {
  const store = new RedisKeyValueStore({ url: REDIS_BENCH_URL, keyPrefix: 'cohort:bench-dp-accountant:', connectTimeoutMs: 1_000, maxRetriesPerRequest: 1 });
  try {
    await store.connect();
    if (await store.ping()) return store;
  } catch {
    // no Redis here: the row is skipped
  }
  await store.close().catch(() => undefined);
  return null;
}

async function complianceQueryRows(): Promise<Row[]> {
  const name = `compliance query for one user: ${USERS.toLocaleString('en')} users, ${ROUNDS.toLocaleString('en')} rounds (q=${Q}, z=${Z}), eps at delta=${DELTA}`;
  const t0 = Date.now();
  const people = population();
  console.log(`compliance query: ${people.userGroup.size} users in ${people.groups.size} groups built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // The naive reference: sum the user's 10 000 per-round curves, convert.
  const curve = rdpPoissonSubsampledGaussian(Q, Z, DEFAULT_RDP_ORDERS);
  const naive = time(50, () => {
    const total = new Float64Array(curve.length);
    for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < curve.length; i++) total[i] += curve[i]!;
    return epsilonFromRdp(DEFAULT_RDP_ORDERS, total, DELTA).epsilon;
  });

  const rows: Row[] = [];
  const row = (accountant: string, t: Awaited<ReturnType<typeof timeQueries>>, runs: number): Row => ({
    case: name, accountant, seconds: t.p99, p50Seconds: t.p50, referenceSeconds: naive.seconds, cpuSeconds: t.cpuPerQuery, referenceCpuSeconds: naive.cpuSeconds,
    targetSeconds: 0.01, epsilon: t.epsilon, referenceEpsilon: naive.value, runs,
  });
  const arithmetic = new PrivacyArithmetic(DELTA);

  // 1. The service on the in-memory store (standalone mode).
  const memory = new MemoryKeyValueStore();
  const t1 = Date.now();
  await new ProjectionRepository(memory).bulkLoadProfiles(people.groups, people.userGroup, people.own, 500_000); // the memory store copies a hash per commit: few, large batches
  console.log(`compliance query: in-memory store loaded in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  const inMemory = new PrivacyQueryService(new ProjectionRepository(memory), new MemoryBlobStore(), arithmetic, OPTIONS);
  rows.push(row('dp-accountant PrivacyQueryService.user, in-memory store', await timeQueries(20_000, async (u) => (await inMemory.user(u)).epsilon), 20_000));

  // 2. Over HTTP: the real Nest app (in-memory store), GET /v1/privacy/users/{userId}.
  rows.push(row('GET /v1/privacy/users/{userId} over HTTP (Nest, in-memory store)', await timeHttpQueries(memory, 3_000), 3_000));

  // 3. The service on Redis, when one answers.
  const redis = await openRedis();
  if (redis === null) console.log('compliance query: no Redis on 127.0.0.1:6379 — the Redis row is skipped');
  else {
    const admin = new Redis(REDIS_BENCH_URL);
    const t2 = Date.now();
    await admin.flushdb();
    await new ProjectionRepository(redis).bulkLoadProfiles(people.groups, people.userGroup, people.own, 5_000);
    console.log(`compliance query: Redis loaded in ${((Date.now() - t2) / 1000).toFixed(1)} s`);
    const onRedis = new PrivacyQueryService(new ProjectionRepository(redis), new MemoryBlobStore(), arithmetic, OPTIONS);
    rows.push(row('dp-accountant PrivacyQueryService.user, Redis (127.0.0.1)', await timeQueries(10_000, async (u) => (await onRedis.user(u)).epsilon), 10_000));
    rows.push(row('GET /v1/privacy/users/{userId} over HTTP (Nest, Redis)', await timeHttpQueries(redis, 3_000), 3_000));
    await admin.flushdb();
    await admin.quit();
    await redis.close();
  }
  return rows;
}

async function main(): Promise<void> {
  const ref = JSON.parse(readFileSync(TIMING, 'utf8')) as Reference;
  const { samplingRate: q, noiseMultiplier: z, steps, delta } = ref.case;
  const event = selfComposed(poissonSampled(q, gaussianEvent(z)), steps);
  const name = `T=${steps} PoissonSampled(q=${q}, Gaussian(z=${z})), eps at delta=${delta}`;

  const rows: Row[] = [];
  for (const mode of ['exact', 'conservative'] as const) {
    const t = time(20, () => new RdpAccountant({ mode }).compose(event).getEpsilon(delta));
    rows.push({
      case: name,
      accountant: `rdp (${mode})`,
      seconds: t.seconds,
      referenceSeconds: ref.rdp.seconds,
      cpuSeconds: t.cpuSeconds,
      referenceCpuSeconds: ref.rdp.cpuSeconds ?? null,
      targetSeconds: 0.005,
      epsilon: t.value,
      referenceEpsilon: ref.rdp.epsilon,
      runs: 20,
    });
  }
  const t = time(5, () => new PldAccountant({ valueDiscretizationInterval: 1e-4 }).compose(event).getEpsilon(delta));
  rows.push({
    case: name,
    accountant: 'pld (interval 1e-4)',
    seconds: t.seconds,
    referenceSeconds: ref.pld.seconds,
    cpuSeconds: t.cpuSeconds,
    referenceCpuSeconds: ref.pld.cpuSeconds ?? null,
    targetSeconds: 1,
    epsilon: t.value,
    referenceEpsilon: ref.pld.epsilon,
    runs: 5,
  });

  const fmt = (s: number) => (s < 0.01 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(3)} s`);
  console.log(`dp accountants — ${name}`);
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0].toFixed(1)}`);
  console.table(
    rows.map((r) => ({
      accountant: r.accountant,
      wall: fmt(r.seconds),
      cpu: fmt(r.cpuSeconds),
      target: fmt(r.targetSeconds),
      'dp_accounting wall': fmt(r.referenceSeconds),
      'dp_accounting cpu': r.referenceCpuSeconds === null ? '-' : fmt(r.referenceCpuSeconds),
      epsilon: r.epsilon.toFixed(6),
      'dp_accounting eps': r.referenceEpsilon.toFixed(6),
    })),
  );

  const compliance = await complianceQueryRows();
  console.log(`dp-accountant — ${compliance[0]!.case}`);
  console.table(
    compliance.map((r) => ({
      path: r.accountant,
      p50: fmt(r.p50Seconds!),
      p99: fmt(r.seconds),
      'cpu/query': fmt(r.cpuSeconds),
      target: `p99 ${fmt(r.targetSeconds)}`,
      'naive recompute': fmt(r.referenceSeconds),
      epsilon: r.epsilon.toFixed(6),
      'naive eps': r.referenceEpsilon.toFixed(6),
    })),
  );
  rows.push(...compliance);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
