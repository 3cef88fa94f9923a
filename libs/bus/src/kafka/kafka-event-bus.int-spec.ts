/**
 * Runs the EventBus contract suite against a real Kafka broker (`npm run infra:up`, 127.0.0.1:9092),
 * plus what only Kafka has: registry topics created with their configs, and a stopped partition
 * that a rebalance hands to another member. Garbage is injected and topics are read back with a
 * raw kafkajs client, never through the bus under test.
 *
 * Consumer tuning for tests (production defaults are in KafkaConsumerTuning):
 * - heartbeatInterval 300 ms: members learn of a join/leave at their next heartbeat, so a second
 *   consumer (or a restarted one) is in the group in well under a second instead of ~3 s;
 * - sessionTimeout 6 000 ms: the broker's minimum (group.min.session.timeout.ms); tests always
 *   leave the group cleanly, so this only bounds a crashed test;
 * - rebalanceTimeout 10 000 ms: the time members get to rejoin; short handlers rejoin at once;
 * - maxWaitTimeInMs 100: an idle fetch returns quickly, so close() and rejoins are not held up by
 *   a 1 s long-poll (latency of a busy consumer does not depend on it: the broker answers as soon
 *   as data arrives);
 * - retry { retries: 3, initialRetryTime: 100 }: a broken test fails in seconds, not minutes.
 */
import { randomUUID } from 'node:crypto';
import { ALL_TOPICS, TOPICS, type TopicSpec } from '@cohort/contracts';
import { Kafka, Partitioners, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusLogger } from '../bus.logger';
import type { RawRecord } from '../embedded/embedded-broker';
import { describeEventBusContract, pingEvent } from '../testing/bus-contract';
import { KafkaEventBus, type KafkaConsumerTuning } from './kafka-event-bus.adapter';
import { partitionForKey } from '../murmur2.partitioner';
import { headersToStrings } from './kafka.logging';
import { TOPIC_MAX_MESSAGE_BYTES } from './kafka-topic.admin';

const BROKERS = ['127.0.0.1:9092'];
const TEST_TUNING: KafkaConsumerTuning = {
  sessionTimeout: 6_000,
  rebalanceTimeout: 10_000,
  heartbeatInterval: 300,
  maxWaitTimeInMs: 100,
  retry: { retries: 3, initialRetryTime: 100 },
};

/** Keeps what the bus logs; errors are printed so a failing run shows its cause. */
const logged: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
const logger: BusLogger = {
  info: (obj, msg) => logged.push({ level: 'info', msg, obj }),
  warn: (obj, msg) => logged.push({ level: 'warn', msg, obj }),
  error: (obj, msg) => {
    logged.push({ level: 'error', msg, obj });
    console.error('[bus error]', msg, obj);
  },
};

const raw = new Kafka({ clientId: 'bus-int-raw', brokers: BROKERS, logLevel: logLevel.NOTHING });
let admin: Admin;
let producer: Producer;

function newKafkaBus(): KafkaEventBus {
  return new KafkaEventBus({ brokers: BROKERS, clientId: 'bus-contract', logger, consumer: TEST_TUNING, joinTimeoutMs: 20_000 });
}

async function readTopic(topic: string, atLeast: number): Promise<RawRecord[]> {
  const deadline = Date.now() + 20_000;
  let offsets = await admin.fetchTopicOffsets(topic);
  const total = () => offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  while (total() < atLeast && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    offsets = await admin.fetchTopicOffsets(topic);
  }
  const wanted = total();
  if (wanted === 0) return [];
  const records: RawRecord[] = [];
  const consumer = raw.consumer({ groupId: `bus-int-reader-${randomUUID()}`, maxWaitTimeInMs: 100, heartbeatInterval: 300, sessionTimeout: 6_000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push({
        topic,
        partition,
        offset: message.offset,
        key: message.key === null ? null : message.key.toString('utf8'),
        value: new Uint8Array(message.value ?? Buffer.alloc(0)),
        headers: headersToStrings(message.headers),
        timestamp: Number(message.timestamp),
      });
      if (records.length >= wanted) done();
    },
  });
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  await consumer.disconnect();
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

beforeAll(async () => {
  admin = raw.admin();
  producer = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  try {
    await Promise.all([admin.connect(), producer.connect()]);
  } catch (error) {
    throw new Error(`Kafka is not reachable on ${BROKERS.join(',')}: run \`npm run infra:up\` first (${(error as Error).message})`);
  }
});

afterAll(async () => {
  await Promise.allSettled([admin?.disconnect(), producer?.disconnect()]);
});

describeEventBusContract({
  name: 'kafka',
  newBus: async () => {
    const bus = newKafkaBus();
    await bus.start();
    return bus;
  },
  publishRaw: async (topic, key, value, headers = {}) => {
    await producer.send({ topic, messages: [{ key, value: typeof value === 'string' ? Buffer.from(value) : Buffer.from(value), headers: { ...headers } }] });
  },
  readTopic,
  settleMs: 1_000,
  waitTimeoutMs: 20_000,
});

describe('KafkaEventBus on a real broker', () => {
  it('creates the registry topics with their partitions, retention and cleanup policy', async () => {
    const bus = newKafkaBus();
    await bus.start();
    await bus.close();
    const specs = [TOPICS.roundCommitted, TOPICS.clientRegistered, TOPICS.roundOpened, ALL_TOPICS.find((spec) => spec.name === `${TOPICS.roundOpened.name}.dlq`)!];
    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: specs.map((spec) => ({ type: 2, name: spec.name, configNames: ['retention.ms', 'cleanup.policy', 'max.message.bytes'] })) });
    for (const spec of specs as TopicSpec[]) {
      expect(metadata.topics.find((topic) => topic.name === spec.name)?.partitions).toHaveLength(spec.partitions);
      const entries = configs.resources.find((resource) => resource.resourceName === spec.name)!.configEntries;
      const value = (name: string) => entries.find((entry) => entry.configName === name)?.configValue;
      expect(value('retention.ms'), spec.name).toBe(String(spec.retentionMs ?? -1));
      expect(value('cleanup.policy'), spec.name).toBe(spec.cleanupPolicy);
      // Topics that already existed before this bus (another run) keep what they had.
      expect([String(TOPIC_MAX_MESSAGE_BYTES), '1048588']).toContain(value('max.message.bytes'));
    }
  });

  it('hands a stopped partition to another member on a rebalance, which retries it', async () => {
    const def = pingEvent('handover');
    const group = `handover-${randomUUID().slice(0, 8)}`;
    const keys = [0, 1, 2].map((partition) => {
      for (let i = 0; ; i++) if (partitionForKey(`handover-${i}`, 3) === partition) return `handover-${i}`;
    });
    const stuckBus = newKafkaBus();
    const healthyBus = newKafkaBus();
    await Promise.all([stuckBus.start(), healthyBus.start()]);
    const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      // One member, every partition stopped on a failing event.
      const stuckSeen: string[] = [];
      await stuckBus.subscribe(def, async (event) => {
        stuckSeen.push(event.payload.key);
        throw new Error('cannot apply');
      }, { group, policy: 'stop-on-failure', maxRetries: 0 });
      for (const key of keys) await stuckBus.publish(def, { id: key, key, seq: 0 }, { correlationId: 'handover' });
      await until(() => stuckSeen.length === 3, 'three stopped partitions');
      expect(await stuckBus.isHealthy()).toBe(false);

      // A second member joins: of 3 partitions each member gets 1 or 2. The newcomer retries the
      // events of the partitions it got; the stuck member keeps (and stays stopped on) the rest.
      const healthySeen: string[] = [];
      await healthyBus.subscribe(def, async (event) => {
        healthySeen.push(event.payload.key);
      }, { group, policy: 'stop-on-failure' });
      await until(() => healthySeen.length >= 1, 'the newcomer to retry a handed-over event');
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      expect(healthySeen.length === 1 || healthySeen.length === 2).toBe(true);
      expect(stuckSeen.sort()).toEqual([...keys].sort());
      expect(await stuckBus.isHealthy()).toBe(false);
      expect(await healthyBus.isHealthy()).toBe(true);
      expect(logged.some((entry) => entry.msg.startsWith('stopped partition moved to another member'))).toBe(true);
    } finally {
      await Promise.all([stuckBus.close(), healthyBus.close()]);
    }
  });
});
