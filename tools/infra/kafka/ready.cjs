// Readiness probe for the local broker. An open port only means the JVM bound its socket, not
// that the KRaft broker has registered and is unfenced; a real metadata round trip does.
//
// With --settle it also waits until the broker has applied the metadata it replays at startup.
// After a restart the broker takes leadership of every existing partition in one step; on a
// busy 2-core box that took ~5 s after it began serving, and meanwhile topics created by tests
// stayed invisible (kafkajs createTopics then fails with UNKNOWN_TOPIC_OR_PARTITION). Metadata
// is applied in order, so once a freshly created probe topic is visible and accepts a write,
// everything before it has been applied too.
//
// Usage: node ready.cjs <host:port> <timeoutMs> [--settle]. Prints the cluster id, exits 0.
'use strict';

let Kafka, logLevel;
try {
  ({ Kafka, logLevel } = require('kafkajs'));
} catch {
  console.error('infra: error: kafkajs is not installed; run `npm ci` in the repository root first');
  process.exit(2);
}

const [broker = '127.0.0.1:9092', timeoutArg = '60000', ...flags] = process.argv.slice(2);
const settle = flags.includes('--settle');
const deadline = Date.now() + Number(timeoutArg);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Retries are ours (bounded by the deadline), not kafkajs's exponential ones.
const kafka = new Kafka({
  clientId: 'cohort-infra-ready',
  brokers: [broker],
  connectionTimeout: 1000,
  requestTimeout: 5000,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});

async function until(what, attempt) {
  let lastError;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: ${lastError?.message ?? lastError}`);
    }
    await sleep(250);
  }
}

async function clusterId(admin) {
  await admin.listTopics();
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length === 0) throw new Error('no broker registered yet');
  return cluster.clusterId;
}

async function settleMetadata(admin) {
  const topic = `cohort.infra.ready-probe.${process.pid}.${Date.now()}`;
  await until('creating the probe topic', () => admin.createTopics({ topics: [{ topic }] }));
  try {
    await until('waiting for the probe topic to appear in metadata', async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      if (!topics[0]?.partitions.every((p) => p.leader >= 0)) throw new Error('no leader yet');
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await until('writing to the probe topic', () =>
        producer.send({ topic, acks: -1, messages: [{ value: 'ready' }] }),
      );
    } finally {
      await producer.disconnect().catch(() => {});
    }
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  }
}

(async () => {
  const admin = kafka.admin();
  try {
    await until('connecting', () => admin.connect());
    const id = await until('metadata request', () => clusterId(admin));
    if (settle) await settleMetadata(admin);
    console.log(id);
  } catch (error) {
    console.error(`infra: broker at ${broker} is not ready: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await admin.disconnect().catch(() => {});
  }
})();
