/**
 * A population end to end on the real Kafka broker and Redis server, every service its own
 * process: 1 000 attested devices enrol (capability profile, training consent); rounds Poisson-
 * sample them at q = 0.4, so each cohort is a different ~400; a tenth of the sampled devices
 * vanish after ShareKeys, so the aggregator must recover their pairwise masks from the shares
 * their neighbours hold; the aggregate carries Gaussian noise with z = 1.5. Checked: cohort sizes,
 * dropouts and cohort overlaps lie within wide binomial bounds (6σ), survivors are exactly the
 * devices that did not vanish and at least minSurvivors; each version's lineage (plan, base
 * version, round, contributors, q·N, σ) and its (ε, δ) are the accountant's, ε grows with the
 * rounds and its RDP bound is the reference value of @cohort/dp; serving keeps the initial
 * version until an operator promotes the newest, then ranks a fixed context differently and
 * reports that version's (ε, δ).
 *
 * Lean for CI: d = 4 891 (512 ID buckets × 8, hidden 16), so a round costs little more than the
 * MaskedInput stage's deadline, which the dropouts always run out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  LedgerPage, ModelPrivacyResponse, PlanId, RecommendationRequest, RecommendationResponse, TOPICS, type TrainingTask,
} from '@cohort/contracts';
import { dpFedAvgEvent, RdpAccountant } from '@cohort/dp';
import { enrolPopulation, OperatorClient, syntheticPartitions, type Participation, type RoundSummary, type VirtualDevice } from '@cohort/feature-device-simulator';
import { syntheticCatalog } from '@cohort/ml';
import { DistributedCluster, resetCohortState } from '@cohort/testing';

const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'];
const redisUrl = `${process.env.COHORT_REDIS_URL ?? 'redis://127.0.0.1:6379'}/4`;
const planId = PlanId.parse('plan-default');
const kafka = new Kafka({ clientId: 'cohort-e2e-population', brokers, logLevel: logLevel.NOTHING });

const DEVICES = 1000;
const SAMPLING_RATE = 0.4;
const NOISE_MULTIPLIER = 1.5;
const CLIP_NORM = 1;
const DROPOUT_RATE = 0.1;
const MIN_SURVIVORS = 100;
const DELTA = 1e-6;
const ROUNDS = 2;
const CATALOG_ITEMS = 200;
const CATALOG_CATEGORIES = 10;
/** twoTowerLayout of 512 ID buckets, embeddings of 8, a hidden layer of 16. */
const DIMENSION = 4891;
/** Generous: the machine has two cores and may be busy with something else. */
const STAGE_TIMEOUT_MS = 30_000;
const ROUND_TIMEOUT_MS = 150_000;

/** What the test reads of a model version record on model-registry (its GET answers the whole record). */
const VersionRecord = z.object({
  modelVersion: z.string(),
  planId: z.string(),
  roundId: z.string().nullable(),
  baseVersion: z.string().nullable(),
  roundNumber: z.number(),
  dimension: z.number(),
  contributors: z.number(),
  expectedCohortSize: z.number(),
  noiseStddev: z.number(),
  stage: z.string(),
  privacy: z.object({ epsilon: z.number().nullable(), delta: z.number(), rounds: z.number(), accountant: z.string().nullable(), sequence: z.number() }).nullable(),
});
type VersionRecord = z.infer<typeof VersionRecord>;

/** A fixed commerce request: the same user and context before and after the promotion. */
const FIXED_REQUEST = RecommendationRequest.parse({ userId: 'user-000042', context: { recentItemIds: ['item-00003', 'item-00017', 'item-00042'] }, limit: 10 });

interface RoundRun {
  readonly round: RoundSummary;
  /** The devices the scheduler handed a task (the test sees what each device sees). */
  readonly sampled: readonly string[];
  readonly outcomes: Record<Exclude<Participation, 'not-selected'>, number>;
}

/** Waits until `group` has committed the end of every partition of `topic`. */
async function awaitConsumed(admin: Admin, group: string, topic: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)]));
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const lagging = (committed?.partitions ?? []).filter(({ partition, offset }) => Math.max(0, Number(offset)) < (ends.get(partition) ?? 0));
    if (committed !== undefined && committed.partitions.length === ends.size && lagging.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${group} had not consumed ${topic} after ${timeoutMs} ms (${lagging.length} partitions behind)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** |x − mean| within 6σ: fails only for a broken sampler (or with probability ~2·10⁻⁹). */
function expectWithinBinomial(x: number, n: number, p: number): void {
  const mean = n * p;
  const sigma = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(x - mean), `${x} vs Binomial(${n}, ${p}): mean ${mean}, σ ${sigma.toFixed(1)}`).toBeLessThanOrEqual(6 * sigma);
}

describe('a population of 1 000 devices on real Kafka and Redis', () => {
  const blobRoot = mkdtempSync(join(tmpdir(), 'cohort-e2e-population-'));
  const admin = kafka.admin();
  let cluster: DistributedCluster;
  let devices: VirtualDevice[];
  let operator: OperatorClient;
  const runs: RoundRun[] = [];
  let before: RecommendationResponse;

  const get = async <S extends z.ZodType>(url: string, key: string, schema: S): Promise<z.output<S>> => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status, `GET ${url}: ${response.status}`).toBe(200);
    return schema.parse(await response.json());
  };
  const version = (modelVersion: string) => get(`${cluster.url('model-registry')}/v1/models/${modelVersion}`, cluster.keys.operator, VersionRecord);
  const accountantOf = (modelVersion: string) => get(`${cluster.url('dp-accountant')}/v1/privacy/models/${modelVersion}`, cluster.keys.compliance, ModelPrivacyResponse);
  const recommend = () =>
    fetch(`${cluster.url('recommendation-serving')}/v1/recommendations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.keys.commerce}`, 'content-type': 'application/json' },
      body: JSON.stringify(FIXED_REQUEST),
    });
  /** Serving swaps models from ModelVersionPromoted: polls until it serves `modelVersion`. */
  const awaitServing = async (modelVersion: string, timeoutMs: number): Promise<RecommendationResponse> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await recommend();
      if (response.status === 200) {
        const body = RecommendationResponse.parse(await response.json());
        if (body.modelVersion === modelVersion) return body;
      }
      if (Date.now() > deadline) throw new Error(`recommendation-serving did not serve ${modelVersion} within ${timeoutMs} ms (last answer ${response.status})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  /** One round the way the devices live it: all check in, the sampled take part together (a SecAgg+ stage waits for its cohort). */
  const runRound = async (): Promise<RoundRun> => {
    const opened = await operator.openRound(planId);
    const tasks: (TrainingTask | null)[] = [];
    for (let i = 0; i < devices.length; i += 50) tasks.push(...(await Promise.all(devices.slice(i, i + 50).map((device) => device.checkIn()))));
    const sampled = devices.flatMap((device, i) => (tasks[i] ? [{ device, task: tasks[i] }] : []));
    const results = await Promise.all(sampled.map(({ device, task }) => device.participate(task)));
    const outcomes = { trained: 0, 'dropped-out': 0, excluded: 0 };
    for (const result of results) outcomes[result] += 1;
    const round = await operator.awaitOutcome(opened.roundId, ROUND_TIMEOUT_MS);
    return { round, sampled: sampled.map(({ device }) => device.clientId), outcomes };
  };

  beforeAll(async () => {
    await admin.connect();
    await resetCohortState(admin, redisUrl);
    cluster = new DistributedCluster({
      baseEnv: process.env,
      portOffset: 3000,
      kafkaBrokers: brokers.join(','),
      redisUrl,
      blobRoot,
      env: {
        LOG_LEVEL: 'warn',
        COHORT_SAMPLING_RATE: String(SAMPLING_RATE),
        COHORT_NOISE_MULTIPLIER: String(NOISE_MULTIPLIER),
        COHORT_CLIP_NORM: String(CLIP_NORM),
        COHORT_MIN_SURVIVORS: String(MIN_SURVIVORS),
        COHORT_DELTA: String(DELTA),
        COHORT_UPLOAD_DEADLINE_MS: String(ROUND_TIMEOUT_MS),
        COHORT_SECAGG_STAGE_TIMEOUT_MS: String(STAGE_TIMEOUT_MS),
        // The Harary graph is sized for twice the dropouts the devices produce.
        COHORT_SECAGG_DROPOUT_FRACTION: String(2 * DROPOUT_RATE),
        COHORT_CATALOG_ITEMS: String(CATALOG_ITEMS),
        COHORT_CATALOG_CATEGORIES: String(CATALOG_CATEGORIES),
        COHORT_MODEL_ID_BUCKETS: '512',
        COHORT_MODEL_EMBEDDING_DIM: '8',
        COHORT_MODEL_HIDDEN_DIM: '16',
        // Operators promote: serving must keep v0 until they do.
        COHORT_AUTO_PROMOTE: 'false',
      },
    });
    await cluster.start();
    devices = await enrolPopulation({
      urls: cluster.deviceUrls(),
      deviceApiKey: cluster.keys.device,
      attest: (identityKey) => cluster.attestation.mint(identityKey),
      partitions: syntheticPartitions(syntheticCatalog(CATALOG_ITEMS, CATALOG_CATEGORIES), DEVICES, 6, 21),
      // Every dropout vanishes before MaskedInput, after its keys were shared.
      behaviour: { dropoutRate: DROPOUT_RATE, dropoutStages: ['MaskedInput'], maxStragglerMs: 200 },
      seed: 21,
      concurrency: 32,
    });
    operator = new OperatorClient(cluster.url('round-scheduler'), cluster.keys.operator, cluster.url('model-registry'));
    // The scheduler's pool and the aggregator's identity keys must hold every registration before a round opens.
    await awaitConsumed(admin, 'round-scheduler.eligibility-pool', TOPICS.clientRegistered.name, 60_000);
    await awaitConsumed(admin, 'secure-aggregator.identity-keys', TOPICS.clientRegistered.name, 60_000);
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
    await admin.disconnect();
    rmSync(blobRoot, { recursive: true, force: true });
  });

  it('serves the initial version, learnt from no one, before any round', async () => {
    before = await awaitServing('plan-default:v0', 30_000);
    expect(before.privacy).toEqual({ epsilon: 0, delta: 0 });
    expect(before.items).toHaveLength(FIXED_REQUEST.limit);
    expect(devices).toHaveLength(DEVICES);
  });

  it(`runs ${ROUNDS} rounds over Poisson cohorts, recovering the masks of devices that vanished after ShareKeys`, async () => {
    for (let r = 0; r < ROUNDS; r++) runs.push(await runRound());
    for (const [i, { round, sampled, outcomes }] of runs.entries()) {
      expect(round).toMatchObject({ state: 'committed', roundNumber: i + 1, eligibleUsers: DEVICES, modelVersion: `plan-default:v${i + 1}` });
      // The cohort the scheduler reports is the set of devices that got a task: Binomial(N, q).
      expect(sampled).toHaveLength(round.cohortSize);
      expectWithinBinomial(round.cohortSize, DEVICES, SAMPLING_RATE);
      // Every sampled device either vanished (as its behaviour drew) or contributed; none was left out by a deadline.
      expect(outcomes.excluded).toBe(0);
      expect(outcomes['dropped-out']).toBeGreaterThan(0);
      expect(outcomes.trained + outcomes['dropped-out']).toBe(round.cohortSize);
      expectWithinBinomial(outcomes['dropped-out'], round.cohortSize, DROPOUT_RATE);
      // The aggregate holds exactly the survivors: the dropouts' masks were cancelled, not their updates added.
      const record = await version(round.modelVersion!);
      expect(record.contributors).toBe(outcomes.trained);
      expect(record.contributors).toBeGreaterThanOrEqual(MIN_SURVIVORS);
    }
    // Cohorts are independent draws: different sets, overlapping in about q²·N devices.
    const [first, second] = runs.map(({ sampled }) => new Set(sampled));
    const overlap = [...first!].filter((id) => second!.has(id)).length;
    expect(overlap).toBeLessThan(Math.min(first!.size, second!.size));
    expectWithinBinomial(overlap, DEVICES, SAMPLING_RATE ** 2);
  }, 2 * ROUND_TIMEOUT_MS + 60_000);

  it('keeps each version’s lineage and the accountant’s (ε, δ), with ε growing with the rounds', async () => {
    const charged = await Promise.all(runs.map(({ round }) => operator.awaitCharged(round.modelVersion!, 60_000)));
    expect(charged.map((v) => v.modelVersion)).toEqual(runs.map(({ round }) => round.modelVersion));
    const list = await get(`${cluster.url('model-registry')}/v1/plans/${planId}/models`, cluster.keys.operator, z.array(VersionRecord));
    expect(list.map((v) => v.modelVersion)).toEqual(['plan-default:v0', ...runs.map(({ round }) => round.modelVersion)]);
    const ledger = await get(`${cluster.url('dp-accountant')}/v1/privacy/ledger?planId=${planId}&limit=10`, cluster.keys.compliance, LedgerPage);
    expect(ledger.entries).toHaveLength(ROUNDS);

    let previous: VersionRecord = list[0]!;
    for (const [i, { round, outcomes }] of runs.entries()) {
      const record = await version(round.modelVersion!);
      expect(record).toMatchObject({
        planId, roundId: round.roundId, roundNumber: i + 1, baseVersion: previous.modelVersion, dimension: DIMENSION,
        contributors: outcomes.trained, expectedCohortSize: SAMPLING_RATE * DEVICES, noiseStddev: NOISE_MULTIPLIER * CLIP_NORM, stage: 'candidate',
      });
      // The ledger charged the round's whole eligible population for the mechanism the round ran.
      const entry = ledger.entries[i]!;
      expect(entry).toMatchObject({
        sequence: i + 1, roundId: round.roundId, roundNumber: i + 1, modelVersion: round.modelVersion, cohortSize: round.cohortSize,
        mechanism: { samplingRate: SAMPLING_RATE, noiseMultiplier: NOISE_MULTIPLIER, clipNorm: CLIP_NORM, populationSize: DEVICES },
      });
      expect(entry.eligibleUsers.count).toBe(DEVICES);
      // The registry's guarantee is the accountant's, composed over the rounds so far…
      const guarantee = await accountantOf(round.modelVersion!);
      expect(guarantee).toMatchObject({ modelVersion: round.modelVersion, roundId: round.roundId, rounds: i + 1, delta: DELTA, sequence: i + 1 });
      expect(record.privacy).toEqual({ epsilon: guarantee.epsilon, delta: guarantee.delta, rounds: i + 1, accountant: guarantee.accountant, sequence: i + 1 });
      // …its RDP bound is the reference value for i + 1 Poisson-sampled Gaussian rounds, and the
      // reported ε is the tighter of the RDP and PLD bounds.
      const reference = new RdpAccountant().compose(dpFedAvgEvent(SAMPLING_RATE, NOISE_MULTIPLIER, i + 1)).getEpsilon(DELTA);
      expect(guarantee.epsilonRdp).toBeCloseTo(reference, 6);
      expect(guarantee.epsilon).toBe(Math.min(guarantee.epsilonRdp!, guarantee.epsilonPld!));
      expect(guarantee.epsilon!).toBeGreaterThan(previous.privacy!.epsilon!);
      previous = record;
    }
    expect(list[0]!.privacy).toMatchObject({ epsilon: 0, rounds: 0 });
  }, 120_000);

  it('serves the newest version only once it is promoted: the ranking changes and carries its (ε, δ)', async () => {
    const newest = runs.at(-1)!.round.modelVersion!;
    // Charged but not promoted: serving still ranks with v0.
    const unpromoted = await recommend();
    expect(unpromoted.status).toBe(200);
    expect(RecommendationResponse.parse(await unpromoted.json())).toEqual(before);

    const response = await fetch(`${cluster.url('model-registry')}/v1/models/${newest}/promote`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.keys.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stage: 'production' }),
    });
    expect(response.status).toBeLessThan(300);
    expect((await version(newest)).stage).toBe('production');

    const after = await awaitServing(newest, 60_000);
    expect(after.items).toHaveLength(FIXED_REQUEST.limit);
    expect(after.items.map((item) => item.itemId)).not.toEqual(before.items.map((item) => item.itemId));
    const guarantee = await accountantOf(newest);
    expect(guarantee.epsilon).toBeGreaterThan(0);
    expect(after.privacy).toEqual({ epsilon: guarantee.epsilon, delta: DELTA });
  }, 120_000);
});
