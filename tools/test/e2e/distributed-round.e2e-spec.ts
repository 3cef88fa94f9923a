/**
 * Distributed mode end to end: every service its own process on the real Kafka broker and Redis
 * server. Rounds complete; garbage produced straight onto a topic goes to its `.dlq` with the
 * reason while the consumer keeps going; dp-accountant is SIGKILLed in the middle of a round and
 * restarted, and the ledger still holds every RoundCommitted event exactly once (by eventId);
 * secure-aggregator is SIGKILLed between ShareKeys and MaskedInput and the round completes on restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES, PlanId, TOPICS } from '@cohort/contracts';
import { enrolPopulation, OperatorClient, runRound, syntheticPartitions, type VirtualDevice } from '@cohort/feature-device-simulator';
import { syntheticCatalog } from '@cohort/ml';
import { DistributedCluster, readTopic as readTopicOf, resetCohortState } from '@cohort/testing';

const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'];
const redisUrl = `${process.env.COHORT_REDIS_URL ?? 'redis://127.0.0.1:6379'}/3`;
const planId = PlanId.parse('plan-default');
/** The eventId the garbage carries: never a real RoundCommitted, whatever its type field says. */
const GARBAGE_EVENT_ID = '6a1f6d0e-8d5e-4b8a-9c43-0f1e1c2d3b4a';
const kafka = new Kafka({ clientId: 'cohort-e2e', brokers, logLevel: logLevel.NOTHING });

const readTopic = (topic: string, expected: number) => readTopicOf(kafka, topic, expected);

describe('distributed mode on real Kafka and Redis', () => {
  const blobRoot = mkdtempSync(join(tmpdir(), 'cohort-e2e-blobs-'));
  let cluster: DistributedCluster;
  let devices: VirtualDevice[];
  let operator: OperatorClient;
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
    await resetCohortState(admin, redisUrl);
    cluster = new DistributedCluster({
      baseEnv: process.env,
      portOffset: 1000,
      kafkaBrokers: brokers.join(','),
      redisUrl,
      blobRoot,
      env: { LOG_LEVEL: 'warn', COHORT_SAMPLING_RATE: '0.6', COHORT_MIN_SURVIVORS: '2', COHORT_UPLOAD_DEADLINE_MS: '15000', COHORT_CATALOG_ITEMS: '60' },
    });
    await cluster.start();
    devices = await enrolPopulation({
      urls: cluster.deviceUrls(),
      deviceApiKey: cluster.keys.device,
      attest: (identityKey) => cluster.attestation.mint(identityKey),
      partitions: syntheticPartitions(syntheticCatalog(60, 6), 24, 6, 7),
      behaviour: { dropoutRate: 0, maxStragglerMs: 20 },
      seed: 7,
      concurrency: 8,
    });
    operator = new OperatorClient(cluster.url('round-scheduler'), cluster.keys.operator);
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await admin.disconnect();
    rmSync(blobRoot, { recursive: true, force: true });
  });

  /** Every device checks in; the sampled ones take part together (a SecAgg+ stage waits for its cohort). */
  const takePart = async (all: readonly VirtualDevice[], holdUpdate?: Promise<unknown>) => {
    const tasks = await Promise.all(all.map((device) => device.checkIn()));
    return Promise.all(all.flatMap((device, i) => (tasks[i] ? [device.participate(tasks[i], holdUpdate)] : [])));
  };

  const ledger = async () => {
    const response = await fetch(`${cluster.url('dp-accountant')}/v1/privacy/ledger?limit=100`, { headers: { authorization: `Bearer ${cluster.keys.compliance}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { entries: Array<{ roundId: string; roundCommittedEventId: string; eligibleUsers: { userIds: string[] } }> }).entries;
  };

  it('completes a round across six processes', async () => {
    const { round, participation } = await runRound(devices, operator, planId, { concurrency: 8, timeoutMs: 60_000 });
    expect(round.state).toBe('committed');
    expect(round.modelVersion).toBe('plan-default:v1');
    expect(participation.trained).toBe(round.cohortSize);
  });

  it('sends garbage on a topic to its .dlq with the reason, and the consumer keeps going', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const valid = { eventId: GARBAGE_EVENT_ID, eventVersion: 1, correlationId: 'x', occurredAt: new Date().toISOString(), producer: 'e2e' };
    await producer.send({
      topic: TOPICS.roundCommitted.name,
      messages: [
        { key: 'plan-default', value: 'this is not json' },
        { key: 'plan-default', value: JSON.stringify({ ...valid, type: 'RoundCommitted', payload: { roundId: 42 } }) },
        { key: 'plan-default', value: JSON.stringify({ ...valid, type: 'SomethingElse', payload: {} }) },
        { key: 'plan-default', value: 'x'.repeat(MAX_EVENT_BYTES + 1024) },
      ],
    });
    await producer.disconnect();
    const dead = await readTopic(`${TOPICS.roundCommitted.name}.dlq`, 4);
    expect(dead).toHaveLength(4);
    expect(dead.map((m) => m.headers['x-cohort-dlq-code']).sort()).toEqual(['bad-payload', 'not-json', 'oversized', 'unknown-type']);
    for (const message of dead) {
      expect(message.headers['x-cohort-dlq-reason']?.length).toBeGreaterThan(0);
      expect(message.headers['x-cohort-dlq-original-topic']).toBe(TOPICS.roundCommitted.name);
    }
    // the ledger consumer is still alive: the next round is recorded (checked below)
  });

  it('loses no charge and applies none twice when dp-accountant is SIGKILLed mid-round', async () => {
    const opened = await operator.openRound(planId);
    const accountant = cluster.service('dp-accountant');
    await accountant.kill('SIGKILL');
    await takePart(devices);
    const second = await operator.awaitOutcome(opened.roundId, 60_000);
    expect(second.state).toBe('committed');
    await accountant.start();
    const { round: third } = await runRound(devices, operator, planId, { concurrency: 8, timeoutMs: 60_000 });
    expect(third.state).toBe('committed');

    let entries = await ledger();
    for (let i = 0; i < 50 && entries.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 200));
      entries = await ledger();
    }
    const committedEvents = (await readTopic(TOPICS.roundCommitted.name, 7))
      .map((m) => { try { return JSON.parse(m.value?.toString() ?? '') as { type?: string; eventId?: string }; } catch { return {}; } })
      .filter((e) => e.type === 'RoundCommitted' && e.eventId !== GARBAGE_EVENT_ID);
    expect(entries).toHaveLength(3);
    expect(new Set(entries.map((e) => e.roundCommittedEventId)).size).toBe(3);
    expect(new Set(entries.map((e) => e.roundId)).size).toBe(3);
    expect(new Set(entries.map((e) => e.roundCommittedEventId))).toEqual(new Set(committedEvents.map((e) => e.eventId)));

    // every eligible user was charged once per round
    const user = entries[0].eligibleUsers.userIds[0];
    const privacy = await fetch(`${cluster.url('dp-accountant')}/v1/privacy/users/${user}`, { headers: { authorization: `Bearer ${cluster.keys.compliance}` } });
    expect(((await privacy.json()) as { roundsCharged: number }).roundsCharged).toBe(3);
    // and the hash chain over the three entries verifies
    const verify = await fetch(`${cluster.url('dp-accountant')}/v1/privacy/ledger/verify`, { headers: { authorization: `Bearer ${cluster.keys.compliance}` } });
    expect(await verify.json()).toMatchObject({ valid: true, entriesChecked: 3, headSequence: 3 });
  });

  it('serves recommendations from the newest version', async () => {
    let body: { modelVersion?: string; items?: unknown[]; privacy?: { epsilon: number | null; delta: number | null } } = {};
    for (let i = 0; i < 50 && body.modelVersion !== 'plan-default:v3'; i++) {
      const response = await fetch(`${cluster.url('recommendation-serving')}/v1/recommendations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cluster.keys.commerce}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { recentItemIds: [] }, limit: 4 }),
      });
      body = (await response.json()) as typeof body;
      if (body.modelVersion !== 'plan-default:v3') await new Promise((r) => setTimeout(r, 200));
    }
    expect(body.modelVersion).toBe('plan-default:v3');
    expect(body.items).toHaveLength(4);
    // …with the guarantee dp-accountant computed for that version
    const model = await fetch(`${cluster.url('dp-accountant')}/v1/privacy/models/plan-default:v3`, { headers: { authorization: `Bearer ${cluster.keys.compliance}` } });
    const guarantee = (await model.json()) as { epsilon: number; delta: number; rounds: number };
    expect(guarantee).toMatchObject({ rounds: 3, delta: 1e-6 });
    let privacy = body.privacy;
    for (let i = 0; i < 50 && privacy?.epsilon !== guarantee.epsilon; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const response = await fetch(`${cluster.url('recommendation-serving')}/v1/recommendations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cluster.keys.commerce}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { recentItemIds: [] }, limit: 1 }),
      });
      privacy = ((await response.json()) as typeof body).privacy;
    }
    expect(privacy).toEqual({ epsilon: guarantee.epsilon, delta: 1e-6 });
  });

  it('completes the round when secure-aggregator is SIGKILLed between ShareKeys and MaskedInput', async () => {
    const opened = await operator.openRound(planId);
    const tasks = await Promise.all(devices.map((device) => device.checkIn()));
    const sampled = devices.flatMap((device, i) => (tasks[i] ? [{ device, task: tasks[i] }] : []));
    // The devices hold their updates back, so the session waits at MaskedInput once ShareKeys closed.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const taking = Promise.all(sampled.map(({ device, task }) => device.participate(task, held)));
    const stage = async () => {
      const response = await fetch(`${cluster.url('secure-aggregator')}/v1/rounds/${opened.roundId}/secagg`, {
        headers: { authorization: `Bearer ${cluster.keys.device}`, 'x-cohort-client-id': sampled[0]!.device.clientId },
      });
      return response.status === 200 ? ((await response.json()) as { stage: string }).stage : `HTTP ${response.status}`;
    };
    for (let i = 0; i < 300 && (await stage()) !== 'MaskedInput'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await stage()).toBe('MaskedInput');

    const aggregator = cluster.service('secure-aggregator');
    await aggregator.kill('SIGKILL');
    await aggregator.start();
    release();
    expect(await taking).toEqual(sampled.map(() => 'trained'));
    const round = await operator.awaitOutcome(opened.roundId, 60_000);
    expect(round).toMatchObject({ state: 'committed', modelVersion: 'plan-default:v4', cohortSize: sampled.length });
  });
});
