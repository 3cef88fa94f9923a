/**
 * Event bus benchmark (`npm run bench:bus`): publish→consume latency and throughput of the Kafka
 * bus (real broker on 127.0.0.1:9092) and the embedded bus, for 1 KiB and 256 KiB events, in one
 * run. Both go through the whole port: schema validation, envelope, tracing hooks (no SDK
 * registered: no-op), decode, handler, commit after the handler (Kafka: one offset commit per
 * message), idempotent producer with one request in flight.
 *
 * - latency: LATENCY_SAMPLES round trips one at a time (publish, wait until the handler has it);
 *   p50/p99 of "publish called" → "handler called", unloaded.
 * - throughput: `messages` events published with up to PIPELINE publishes in flight over 6 keys
 *   (3 partitions, consumed in parallel), from the first publish to the last handler call.
 *
 * Prints a table, writes bench/results/bus.json. Needs the broker: if 127.0.0.1:9092 does not
 * answer it runs `bash tools/infra/up.sh`, and stops with a clear message if that fails.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { defineEvent, type EventDefinition } from '@cohort/contracts';
import { EmbeddedEventBus, KafkaEventBus, type EventBus } from '@cohort/bus';
import { z } from 'zod';
import { BROKERS, ensureBroker } from './kafka-broker';

const ROOT = resolve(__dirname, '..');
const RESULTS = resolve(ROOT, 'bench/results/bus.json');
const PIPELINE = 64;

interface Case {
  readonly messageBytes: number;
  readonly latencySamples: number;
  readonly messages: number;
}

const CASES: readonly Case[] = [
  { messageBytes: 1024, latencySamples: 300, messages: 3000 },
  { messageBytes: 256 * 1024, latencySamples: 100, messages: 300 },
];

interface Row {
  bus: 'kafka' | 'embedded';
  messageBytes: number;
  messages: number;
  p50Ms: number;
  p99Ms: number;
  msgsPerSec: number;
  mbPerSec: number;
}

const Sample = z.object({ seq: z.number().int(), key: z.string(), blob: z.string() });

function benchEvent(messageBytes: number): EventDefinition<'BenchSampled', typeof Sample> {
  return defineEvent({
    type: 'BenchSampled',
    version: 1,
    topic: { name: `cohort.bench.bus-${messageBytes}-${randomUUID().slice(0, 8)}.v1`, key: 'roundId', partitions: 3, retentionMs: 3_600_000, cleanupPolicy: 'delete' },
    payload: Sample,
    keyOf: (p) => p.key,
  });
}

/** A blob that makes the whole JSON envelope about `messageBytes` long. */
function blobFor(messageBytes: number): string {
  const overhead = JSON.stringify({
    eventId: randomUUID(),
    type: 'BenchSampled',
    eventVersion: 1,
    correlationId: randomUUID(),
    occurredAt: new Date().toISOString(),
    producer: 'bus-bench',
    payload: { seq: 100000, key: 'bench-0', blob: '' },
  }).length;
  return 'x'.repeat(Math.max(0, messageBytes - overhead));
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

async function runCase(busName: Row['bus'], bus: EventBus, spec: Case): Promise<Row> {
  const def = benchEvent(spec.messageBytes);
  const blob = blobFor(spec.messageBytes);
  const arrivals = new Map<number, number>();
  let waiting: { seq: number; resolve: () => void } | undefined;
  let received = 0;
  let allDone: (() => void) | undefined;
  let expected = Number.POSITIVE_INFINITY;
  await bus.subscribe(def, async (event) => {
    arrivals.set(event.payload.seq, performance.now());
    received++;
    if (waiting?.seq === event.payload.seq) waiting.resolve();
    if (received >= expected) allDone?.();
  }, { group: `bench-${randomUUID().slice(0, 8)}`, policy: 'retry-then-dlq' });

  // Warm-up: topic metadata, connections, JIT.
  for (let seq = -20; seq < 0; seq++) {
    const arrived = new Promise<void>((resolve) => (waiting = { seq, resolve }));
    await bus.publish(def, { seq, key: 'bench-0', blob });
    await arrived;
  }

  const latencies: number[] = [];
  for (let seq = 0; seq < spec.latencySamples; seq++) {
    const arrived = new Promise<void>((resolve) => (waiting = { seq, resolve }));
    const start = performance.now();
    await bus.publish(def, { seq, key: `bench-${seq % 6}`, blob });
    await arrived;
    latencies.push(arrivals.get(seq)! - start);
  }
  waiting = undefined;

  const base = spec.latencySamples;
  received = 0;
  expected = spec.messages;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PIPELINE }, async () => {
      while (next < spec.messages) {
        const seq = base + next++;
        await bus.publish(def, { seq, key: `bench-${seq % 6}`, blob });
      }
    }),
  );
  await done;
  const seconds = (performance.now() - start) / 1000;

  latencies.sort((a, b) => a - b);
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  return {
    bus: busName,
    messageBytes: spec.messageBytes,
    messages: spec.messages,
    p50Ms: round(percentile(latencies, 50), 3),
    p99Ms: round(percentile(latencies, 99), 3),
    msgsPerSec: round(spec.messages / seconds, 0),
    mbPerSec: round((spec.messages * spec.messageBytes) / seconds / 1_000_000, 2),
  };
}

async function main(): Promise<void> {
  await ensureBroker();
  const rows: Row[] = [];
  for (const busName of ['kafka', 'embedded'] as const) {
    for (const spec of CASES) {
      const bus: EventBus = busName === 'kafka' ? new KafkaEventBus({ brokers: BROKERS, clientId: 'bus-bench', producer: 'bus-bench' }) : new EmbeddedEventBus({ producer: 'bus-bench' });
      await bus.start();
      try {
        const row = await runCase(busName, bus, spec);
        rows.push(row);
        console.error(`done: ${busName} ${spec.messageBytes} B`);
      } finally {
        await bus.close();
      }
    }
  }

  console.log(`\nEvent bus: publish→consume, Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
  console.log('| bus | message | messages | p50 ms | p99 ms | msgs/s | MB/s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const size = row.messageBytes >= 1024 * 1024 ? `${row.messageBytes / 1024 / 1024} MiB` : `${row.messageBytes / 1024} KiB`;
    console.log(`| ${row.bus} | ${size} | ${row.messages} | ${row.p50Ms} | ${row.p99Ms} | ${row.msgsPerSec} | ${row.mbPerSec} |`);
  }
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`\nwrote ${RESULTS}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bus bench failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
