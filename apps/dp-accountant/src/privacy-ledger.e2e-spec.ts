/**
 * dp-accountant as an operator runs it: its own process on the real Kafka broker and Redis server,
 * fed RoundCommitted events the way round-scheduler publishes them, asked by the scheduler's own
 * HTTP budget gate, read by compliance over REST.
 *
 * - SIGKILLed in the middle of consuming a burst of rounds, restarted: every round is charged
 *   exactly once, the chain verifies, the ledger topic holds one entry per round (copies identical).
 * - Its Redis state flushed, restarted: the projection is rebuilt from the ledger topic alone.
 * - An entry tampered with in Redis: verify fails and names it.
 * - Garbage on its topics goes to `.dlq` and it goes on.
 * - A simulated population reaches its cap: capped users are announced and never charged again.
 *
 * Like the distributed e2e, this suite resets Cohort's topics and its Redis database first: run
 * e2e suites one at a time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaEventBus } from '@cohort/bus';
import {
  LedgerEntryAppended, ModelVersion, PlanBudgetExhausted, PlanId, RoundCommitted, RoundId, TOPICS, UserBudgetExhausted, UserId,
  decodeEvent, type LedgerEntry, type LedgerPage, type LedgerVerification, type PayloadOf, type RoundMechanism, type UserPrivacyResponse,
} from '@cohort/contracts';
import { HttpBudgetGate } from '@cohort/feature-round-scheduler';
import { readTopic as readTopicOf, resetCohortState, ServiceProcess } from '@cohort/testing';

const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'];
const redisUrl = `${process.env.COHORT_REDIS_URL ?? 'redis://127.0.0.1:6379'}/5`;
const port = 19_084;
const base = `http://127.0.0.1:${port}`;
const operatorKey = randomBytes(24).toString('base64url');
const complianceKey = randomBytes(24).toString('base64url');
const kafka = new Kafka({ clientId: 'cohort-e2e-accountant', brokers, logLevel: logLevel.NOTHING });
const LEDGER_KEY = 'cohort:dp-accountant:ledger:entries';

const readTopic = (topic: string, expected: number) => readTopicOf(kafka, topic, expected);

const get = async <T>(path: string): Promise<T> => {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${complianceKey}` } });
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
};

const entryCount = () => get<LedgerPage>('/v1/privacy/ledger?limit=1').then((page) => page.total, () => -1);

async function allEntries(): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await get<LedgerPage>(`/v1/privacy/ledger?limit=500&offset=${offset}`);
    entries.push(...page.entries);
    if (entries.length >= page.total) return entries;
  }
}

async function until(predicate: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const userIds = (prefix: string, from: number, count: number) => Array.from({ length: count }, (_, i) => UserId.parse(`${prefix}-${String(from + i).padStart(4, '0')}`));

function round(planId: string, roundNumber: number, eligible: readonly UserId[], mechanism: Pick<RoundMechanism, 'samplingRate' | 'noiseMultiplier'>): PayloadOf<typeof RoundCommitted> {
  return {
    roundId: RoundId.parse(`r-${planId}-${roundNumber}-${randomBytes(4).toString('hex')}`),
    planId: PlanId.parse(planId),
    roundNumber,
    modelVersion: ModelVersion.parse(`${planId}:v${roundNumber}`),
    mechanism: { kind: 'dp-fedavg-gaussian', ...mechanism, clipNorm: 1, populationSize: Math.max(1, eligible.length) },
    cohortSize: Math.round(eligible.length * mechanism.samplingRate),
    eligibleUserIds: [...eligible],
  };
}

describe('dp-accountant on real Kafka and Redis', () => {
  const blobRoot = mkdtempSync(join(tmpdir(), 'cohort-e2e-accountant-'));
  const admin = kafka.admin();
  const bus = new KafkaEventBus({ brokers, clientId: 'e2e-round-scheduler', producer: 'round-scheduler' });
  const accountant = new ServiceProcess({
    name: 'dp-accountant',
    entry: 'apps/dp-accountant/src/main.ts',
    port,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      COHORT_MODE: 'distributed',
      KAFKA_BROKERS: brokers.join(','),
      REDIS_URL: redisUrl,
      COHORT_BLOB_ROOT: blobRoot,
      COHORT_API_KEYS: `${operatorKey}=operator,${complianceKey}=compliance`,
      LOG_LEVEL: 'warn',
      COHORT_USER_EPSILON_CAP: '2.5',
      COHORT_LEDGER_INLINE_USERS: '20',
    },
  });
  const burst: Array<PayloadOf<typeof RoundCommitted>> = [];

  beforeAll(async () => {
    await admin.connect();
    await resetCohortState(admin, redisUrl);
    await bus.start();
    await accountant.start(90_000);
  }, 180_000);

  afterAll(async () => {
    await accountant.kill('SIGTERM');
    await bus.close();
    await admin.disconnect();
    rmSync(blobRoot, { recursive: true, force: true });
  });

  it('charges every round exactly once when SIGKILLed mid-consume and restarted', async () => {
    // 40 rounds of a cheap mechanism (nobody nears the cap); sets of 10–39 users, the larger ones by blob.
    for (let i = 0; i < 40; i++) burst.push(round('plan-burst', i + 1, userIds('b', i % 7, 10 + (i % 30)), { samplingRate: 0.02, noiseMultiplier: 4 }));
    for (const r of burst) await bus.publish(RoundCommitted, r);
    await until(async () => (await entryCount()) >= 5, 'the first entries');
    const recordedBeforeKill = await entryCount();
    await accountant.kill('SIGKILL');
    expect(recordedBeforeKill).toBeLessThan(40); // killed mid-consume, not after the burst
    // A redelivery the scheduler might send after its own restart (a new eventId).
    await bus.publish(RoundCommitted, burst[2]!);
    await accountant.start(90_000);
    await until(async () => (await entryCount()) >= 40, 'all 40 rounds');
    await new Promise((r) => setTimeout(r, 2_000)); // a double charge would show up by now

    const entries = await allEntries();
    expect(entries.map((e) => e.sequence)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => e.roundId))).toEqual(new Set(burst.map((r) => r.roundId)));
    expect(entries.some((e) => 'blob' in e.eligibleUsers)).toBe(true);
    for (const user of userIds('b', 0, 39)) {
      const expected = burst.filter((r) => r.eligibleUserIds.includes(user)).length;
      expect((await get<UserPrivacyResponse>(`/v1/privacy/users/${user}`)).roundsCharged, user).toBe(expected);
    }
    expect(await get<LedgerVerification>('/v1/privacy/ledger/verify')).toMatchObject({ valid: true, entriesChecked: 40, headSequence: 40 });
    // The topic: one entry per sequence; a copy re-sent after the kill is byte-for-byte the same entry.
    const records = (await readTopic(TOPICS.privacyLedger.name, 40)).map((m) => decodeEvent(LedgerEntryAppended, m.value!).payload);
    const bySequence = new Map<number, Set<string>>();
    for (const r of records) bySequence.set(r.sequence, (bySequence.get(r.sequence) ?? new Set()).add(r.entryHash));
    const accepted = entries.map((e) => e.entryHash);
    expect([...bySequence.keys()].sort((a, b) => a - b)).toEqual(entries.map((e) => e.sequence));
    for (const [sequence, hashes] of bySequence) expect(hashes.has(accepted[sequence - 1]!)).toBe(true);
  }, 240_000);

  it('rebuilds its state from the ledger topic when Redis lost it', async () => {
    const sample = userIds('b', 0, 39);
    const before = await Promise.all(sample.map((u) => get<UserPrivacyResponse>(`/v1/privacy/users/${u}`)));
    const planBefore = await get<Record<string, unknown>>('/v1/privacy/plans/plan-burst');
    await accountant.kill('SIGKILL');
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    await redis.quit();
    await accountant.start(90_000);
    await until(async () => (await entryCount()) >= 40, 'the replay');
    expect(await Promise.all(sample.map((u) => get<UserPrivacyResponse>(`/v1/privacy/users/${u}`)))).toEqual(before);
    expect(await get<Record<string, unknown>>('/v1/privacy/plans/plan-burst')).toEqual(planBefore);
    expect(await get<LedgerVerification>('/v1/privacy/ledger/verify')).toMatchObject({ valid: true, headSequence: 40 });
  }, 240_000);

  it('names the entry tampered with in Redis when the chain is verified', async () => {
    const redis = new Redis(redisUrl);
    try {
      const original = (await redis.lindex(LEDGER_KEY, 9))!;
      const entry = JSON.parse(original) as LedgerEntry;
      await redis.lset(LEDGER_KEY, 9, JSON.stringify({ ...entry, cohortSize: entry.cohortSize + 1 }));
      const result = await get<LedgerVerification>('/v1/privacy/ledger/verify');
      expect(result).toMatchObject({ valid: false, entriesChecked: 9, firstInvalid: { sequence: 10, roundId: entry.roundId, fault: 'entry-hash-mismatch' } });
      await redis.lset(LEDGER_KEY, 9, original);
      expect(await get<LedgerVerification>('/v1/privacy/ledger/verify')).toMatchObject({ valid: true });
    } finally {
      await redis.quit();
    }
  });

  it('sends garbage on its topics to .dlq and goes on recording', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: TOPICS.privacyLedger.name, messages: [{ key: 'plan-burst', value: 'not json' }] });
    await producer.send({ topic: TOPICS.roundCommitted.name, messages: [{ key: 'plan-burst', value: JSON.stringify({ type: 'RoundCommitted', payload: {} }) }] });
    await producer.disconnect();
    const next = round('plan-burst', 41, userIds('b', 0, 3), { samplingRate: 0.02, noiseMultiplier: 4 });
    await bus.publish(RoundCommitted, next);
    await until(async () => (await entryCount()) === 41, 'the round after the garbage', 60_000);
    expect((await readTopic(`${TOPICS.privacyLedger.name}.dlq`, 1)).map((m) => m.headers['x-cohort-dlq-code'])).toEqual(['not-json']);
    expect((await readTopic(`${TOPICS.roundCommitted.name}.dlq`, 1)).map((m) => m.headers['x-cohort-dlq-code'])).toEqual(['bad-envelope']);
  }, 120_000);

  it('filters a population out at its cap, announces it, and never charges a capped user again', async () => {
    // q = 0.3, z = 2, δ = 1e-6: ε ≈ 1.33 after one round, 2.33 after five; the cap is 2.5.
    const gate = new HttpBudgetGate(base, operatorKey);
    const early = userIds('c', 0, 20);
    const late = userIds('c', 20, 10); // enrol before round 4
    const mechanism = { samplingRate: 0.3, noiseMultiplier: 2 };
    const allowedByRound: UserId[][] = [];
    const start = await entryCount();
    for (let n = 1; n <= 30; n++) {
      const candidates = n < 4 ? early : [...early, ...late];
      const allowed = await gate.eligibleUsers(PlanId.parse('plan-caps'), candidates, { kind: 'dp-fedavg-gaussian', ...mechanism, clipNorm: 1, populationSize: candidates.length });
      allowedByRound.push(allowed);
      if (allowed.length === 0) break;
      await bus.publish(RoundCommitted, round('plan-caps', n, allowed, mechanism));
      await until(async () => (await entryCount()) === start + n, `caps round ${n}`, 60_000);
    }
    expect(allowedByRound.at(-1)).toEqual([]);
    const entries = (await allEntries()).filter((e) => e.planId === 'plan-caps');
    for (const user of [...early, ...late]) {
      const refused = allowedByRound.findIndex((allowed, i) => (i >= 3 || early.includes(user)) && !allowed.includes(user));
      expect(refused, user).toBeGreaterThan(0);
      for (const entry of entries.filter((e) => e.roundNumber > refused)) expect((entry.eligibleUsers as { userIds: string[] }).userIds).not.toContain(user);
      const spent = await get<UserPrivacyResponse>(`/v1/privacy/users/${user}`);
      expect(spent.epsilon!).toBeLessThanOrEqual(2.5);
    }
    const exhausted = (await readTopic(TOPICS.userBudgetExhausted.name, 30)).map((m) => decodeEvent(UserBudgetExhausted, m.value!).payload);
    expect(new Set(exhausted.map((e) => e.userId))).toEqual(new Set([...early, ...late]));
    const plan = (await readTopic(TOPICS.planBudgetExhausted.name, 1)).map((m) => decodeEvent(PlanBudgetExhausted, m.value!).payload);
    expect(plan).toMatchObject([{ planId: 'plan-caps', reason: 'all-candidates-capped', candidates: 30 }]);
  }, 240_000);
});
