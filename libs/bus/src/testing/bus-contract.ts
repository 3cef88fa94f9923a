/**
 * The contract of the `EventBus` port as one vitest suite, run against every adapter (embedded in
 * `event-bus.contract.spec.ts`, Kafka in `kafka-event-bus.int-spec.ts`). Each test uses its own
 * topic and groups (random suffix), so runs and tests never see each other's messages.
 * Invariant: a behaviour the port promises is asserted here, so an adapter that passes this suite
 * can replace the other without a service noticing.
 */
import { randomUUID } from 'node:crypto';
import { MAX_EVENT_BYTES, defineEvent, type Envelope, type EventDefinition, type PayloadOf, type TopicSpec } from '@cohort/contracts';
import { SpanKind, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BusError } from '../bus.error';
import type { RawRecord } from '../embedded/embedded-broker';
import { BUS_HEADERS, DLQ_HEADERS, type DeliveryContext, type EventBus } from '../event-bus.port';
import { partitionForKey } from '../murmur2.partitioner';
import { installTestTracing } from './test-tracing';

export interface BusContractHarness {
  readonly name: string;
  /** A fresh, started bus. Several may be open at once; they share one broker (like processes). */
  newBus(): Promise<EventBus>;
  /** Appends bytes to an existing topic, bypassing the envelope (garbage injection). */
  publishRaw(topic: string, key: string | null, value: Uint8Array | string, headers?: Readonly<Record<string, string>>): Promise<void>;
  /** Every record of a topic, partition by partition, once at least `atLeast` are there. */
  readTopic(topic: string, atLeast: number): Promise<RawRecord[]>;
  /** How long to wait before concluding that nothing more will arrive. */
  readonly settleMs: number;
  /** Upper bound for anything the suite waits for. */
  readonly waitTimeoutMs: number;
}

const PARTITIONS = 3;
const Ping = z.object({ id: z.string().min(1), key: z.string().min(1), seq: z.number().int().nonnegative(), note: z.string().optional() });
type PingDefinition = EventDefinition<'ContractPinged', typeof Ping>;
type PingEvent = Envelope<'ContractPinged', PayloadOf<PingDefinition>>;

function uniqueSuffix(): string {
  return randomUUID().slice(0, 8);
}

/** A fresh topic (3 partitions) carrying one test event type, keyed by `payload.key`. */
export function pingEvent(label: string, type: 'ContractPinged' = 'ContractPinged'): PingDefinition {
  const topic: TopicSpec = { name: `cohort.test.${label}-${uniqueSuffix()}.v1`, key: 'roundId', partitions: PARTITIONS, retentionMs: 3_600_000, cleanupPolicy: 'delete' };
  return defineEvent({ type, version: 1, topic, payload: Ping, keyOf: (p) => p.key });
}

function group(label: string): string {
  return `contract-${label}-${uniqueSuffix()}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A key that lands on `partition` of a 3-partition topic, with a readable prefix. */
function keyOnPartition(prefix: string, partition: number): string {
  for (let i = 0; ; i++) if (partitionForKey(`${prefix}-${i}`, PARTITIONS) === partition) return `${prefix}-${i}`;
}

const utf8 = new TextDecoder();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function describeEventBusContract(harness: BusContractHarness): void {
  const { settleMs, waitTimeoutMs } = harness;

  describe(`EventBus contract (${harness.name})`, () => {
    const open: EventBus[] = [];
    const newBus = async () => {
      const bus = await harness.newBus();
      open.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((bus) => bus.close()));
    });

    /** Subscribes a handler that records what it sees; `fail(event, ctx)` may throw to simulate failures. */
    async function recorder(bus: EventBus, definition: PingDefinition, options: Parameters<EventBus['subscribe']>[2], fail?: (event: PingEvent, ctx: DeliveryContext) => void) {
      const seen: Array<{ event: PingEvent; ctx: DeliveryContext }> = [];
      const handled: PingEvent[] = [];
      const subscription = await bus.subscribe(
        definition,
        async (event, ctx) => {
          seen.push({ event, ctx });
          fail?.(event, ctx);
          handled.push(event);
        },
        options,
      );
      return { seen, handled, subscription };
    }

    it('round-trips an event: envelope, key, partition, headers and offset reach the handler', async () => {
      const bus = await newBus();
      expect(await bus.isHealthy()).toBe(true);
      const def = pingEvent('roundtrip');
      const { seen } = await recorder(bus, def, { group: group('roundtrip'), policy: 'retry-then-dlq' });

      const sent = await bus.publish(def, { id: 'a', key: 'round-1', seq: 1, note: 'héllo' }, { correlationId: 'corr-roundtrip' });
      await waitFor(() => seen.length === 1, waitTimeoutMs, 'the event');

      const { event, ctx } = seen[0]!;
      expect(event).toEqual(sent);
      expect(event.eventId).toMatch(UUID);
      expect(event).toMatchObject({ type: 'ContractPinged', eventVersion: 1, correlationId: 'corr-roundtrip', payload: { id: 'a', key: 'round-1', seq: 1, note: 'héllo' } });
      expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);
      expect(event.producer.length).toBeGreaterThan(0);
      // 'round-1' hashes (Kafka murmur2) to partition 0 of 3: see murmur2.partitioner.spec.ts.
      expect(ctx).toMatchObject({ topic: def.topic.name, partition: partitionForKey('round-1', PARTITIONS), offset: '0', key: 'round-1', attempt: 1 });
      expect(ctx.headers[BUS_HEADERS.eventType]).toBe('ContractPinged');
      expect(ctx.headers[BUS_HEADERS.correlationId]).toBe('corr-roundtrip');

      await bus.close();
      expect(await bus.isHealthy()).toBe(false);
    });

    it('refuses to publish what no consumer could decode: a payload off-schema, or an oversized event', async () => {
      const bus = await newBus();
      const def = pingEvent('refuse');
      await expect(bus.publish(def, { id: '', key: 'k', seq: -1 })).rejects.toMatchObject({ name: 'BusError', code: 'invalid-payload' });
      await expect(bus.publish(def, { id: 'x', key: 'k', seq: 1, note: 'x'.repeat(MAX_EVENT_BYTES) })).rejects.toBeInstanceOf(BusError);
      await expect(bus.publish(def, { id: 'x', key: 'k', seq: 1, note: 'x'.repeat(MAX_EVENT_BYTES) })).rejects.toMatchObject({ code: 'oversized' });
      await expect(bus.publish(def, { id: 'x', key: 'k', seq: 1 }, { eventId: 'not-a-uuid' })).rejects.toMatchObject({ code: 'invalid-argument' });
    });

    it('carries the correlation id of the event being handled into what its handler publishes', async () => {
      const bus = await newBus();
      const first = pingEvent('corr-a');
      const second = pingEvent('corr-b');
      await bus.subscribe(first, async (event) => {
        await bus.publish(second, { id: `after-${event.payload.id}`, key: event.payload.key, seq: 0 });
      }, { group: group('corr-a'), policy: 'retry-then-dlq' });
      const { handled } = await recorder(bus, second, { group: group('corr-b'), policy: 'retry-then-dlq' });

      await bus.publish(first, { id: 'x', key: 'k', seq: 0 }, { correlationId: 'corr-chain-1' });
      const loose1 = await bus.publish(second, { id: 'loose-1', key: 'k', seq: 1 });
      const loose2 = await bus.publish(second, { id: 'loose-2', key: 'k', seq: 2 });
      await waitFor(() => handled.length === 3, waitTimeoutMs, 'three events on the second topic');

      expect(handled.find((event) => event.payload.id === 'after-x')?.correlationId).toBe('corr-chain-1');
      // Outside a handler each publish starts a new correlation.
      expect(loose1.correlationId).not.toBe(loose2.correlationId);
      expect(loose1.correlationId).not.toBe('corr-chain-1');
    });

    it('keeps per-key order across many keys and partitions', async () => {
      const bus = await newBus();
      const def = pingEvent('order');
      const byKey = new Map<string, number[]>();
      await bus.subscribe(def, async (event) => {
        // Yield so partitions interleave; order within a key must survive it.
        await new Promise((resolve) => setImmediate(resolve));
        const list = byKey.get(event.payload.key) ?? [];
        list.push(event.payload.seq);
        byKey.set(event.payload.key, list);
      }, { group: group('order'), policy: 'stop-on-failure' });

      const keys = Array.from({ length: 12 }, (_, i) => `order-key-${i}`);
      const perKey = 15;
      await Promise.all(keys.map(async (key) => {
        for (let seq = 0; seq < perKey; seq++) await bus.publish(def, { id: `${key}/${seq}`, key, seq });
      }));
      await waitFor(() => [...byKey.values()].reduce((n, list) => n + list.length, 0) === keys.length * perKey, waitTimeoutMs, 'all ordered events');

      const expected = Array.from({ length: perKey }, (_, seq) => seq);
      for (const key of keys) expect(byKey.get(key), key).toEqual(expected);
      expect(new Set(keys.map((key) => partitionForKey(key, PARTITIONS))).size).toBe(PARTITIONS);
    });

    it('with concurrency, handles keys of one partition at once, never two of one key, each key in order', async () => {
      const bus = await newBus();
      const def = pingEvent('concurrent');
      const keys = Array.from({ length: 6 }, (_, i) => keyOnPartition(`conc-${i}`, 0));
      const perKey = 5;
      for (let seq = 0; seq < perKey; seq++) for (const key of keys) await bus.publish(def, { id: `${key}/${seq}`, key, seq });

      const byKey = new Map<string, number[]>();
      const running = new Set<string>();
      let most = 0;
      let overlapSameKey = false;
      await bus.subscribe(def, async (event) => {
        const { key, seq } = event.payload;
        if (running.has(key)) overlapSameKey = true;
        running.add(key);
        most = Math.max(most, running.size);
        await sleep(20);
        running.delete(key);
        byKey.set(key, [...(byKey.get(key) ?? []), seq]);
      }, { group: group('concurrent'), policy: 'retry-then-dlq', concurrency: 4 });
      await waitFor(() => [...byKey.values()].reduce((n, list) => n + list.length, 0) === keys.length * perKey, waitTimeoutMs, 'all events');

      expect(overlapSameKey).toBe(false);
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(4);
      for (const key of keys) expect(byKey.get(key), key).toEqual([0, 1, 2, 3, 4]);
    });

    it('with concurrency, commits no further than the oldest unfinished message: the next consumer gets what lies past it again', async () => {
      const bus = await newBus();
      const def = pingEvent('commit-point');
      const shared = group('commit-point');
      const [stuckKey, freeKey] = [keyOnPartition('stuck', 0), keyOnPartition('free', 0)];
      await bus.publish(def, { id: 'stuck', key: stuckKey, seq: 0 });
      await bus.publish(def, { id: 'free', key: freeKey, seq: 1 });
      const first = await recorder(bus, def, { group: shared, policy: 'retry-then-dlq', concurrency: 2, retryBackoffMs: 30_000 }, (event) => {
        if (event.payload.id === 'stuck') throw new Error('not now');
      });
      await waitFor(() => first.handled.length === 1 && first.seen.length === 2, waitTimeoutMs, 'one handled, one failing');
      await bus.close(); // cuts the stuck message's backoff short: it stays uncommitted, and so does the one after it

      const next = await newBus();
      const after = await recorder(next, def, { group: shared, policy: 'retry-then-dlq' });
      await waitFor(() => after.handled.length >= 2, waitTimeoutMs, 'both again');
      await sleep(settleMs);
      expect(after.handled.map((event) => event.payload.id)).toEqual(['stuck', 'free']);
    });

    it('splits a group\'s partitions between two consumers: every event handled once, each key by one consumer', async () => {
      const [busA, busB] = [await newBus(), await newBus()];
      const def = pingEvent('split');
      const shared = group('split');
      const a = await recorder(busA, def, { group: shared, policy: 'retry-then-dlq' });
      const b = await recorder(busB, def, { group: shared, policy: 'retry-then-dlq' });

      const total = 40;
      for (let i = 0; i < total; i++) await busA.publish(def, { id: `e${i}`, key: `split-key-${i % 20}`, seq: i });
      await waitFor(() => new Set([...a.handled, ...b.handled].map((event) => event.payload.id)).size === total, waitTimeoutMs, 'all events once');
      await sleep(settleMs);

      expect(a.handled.length + b.handled.length).toBe(total);
      expect(a.handled.length).toBeGreaterThan(0);
      expect(b.handled.length).toBeGreaterThan(0);
      const keysA = new Set(a.handled.map((event) => event.payload.key));
      expect(b.handled.some((event) => keysA.has(event.payload.key))).toBe(false);
    });

    it('gives every group the whole stream', async () => {
      const bus = await newBus();
      const def = pingEvent('groups');
      const first = await recorder(bus, def, { group: group('groups-1'), policy: 'retry-then-dlq' });
      const second = await recorder(bus, def, { group: group('groups-2'), policy: 'stop-on-failure' });

      for (let i = 0; i < 10; i++) await bus.publish(def, { id: `e${i}`, key: `k${i}`, seq: i });
      await waitFor(() => first.handled.length === 10 && second.handled.length === 10, waitTimeoutMs, 'both groups');
      await sleep(settleMs);

      expect(first.handled.map((event) => event.payload.id).sort()).toEqual(second.handled.map((event) => event.payload.id).sort());
      expect(first.handled).toHaveLength(10);
      expect(second.handled).toHaveLength(10);
    });

    it('redelivers after a handler failure with exponential backoff, then commits once it succeeds', async () => {
      const bus = await newBus();
      const def = pingEvent('retry');
      const shared = group('retry');
      const times: number[] = [];
      const { seen, handled } = await recorder(bus, def, { group: shared, policy: 'retry-then-dlq', maxRetries: 3, retryBackoffMs: 50 }, (_event, ctx) => {
        times.push(performance.now());
        if (ctx.attempt <= 2) throw new Error(`transient failure ${ctx.attempt}`);
      });

      await bus.publish(def, { id: 'flaky', key: 'k', seq: 0 });
      await waitFor(() => handled.length === 1, waitTimeoutMs, 'the third attempt');
      await sleep(settleMs);

      expect(seen.map(({ ctx }) => ctx.attempt)).toEqual([1, 2, 3]);
      expect(handled).toHaveLength(1);
      // Backoff 50 ms, then 100 ms (doubling); timers never fire early, allow 5 ms of clock slop.
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(45);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(95);
      expect(await harness.readTopic(`${def.topic.name}.dlq`, 0)).toHaveLength(0);

      // Committed: a new consumer of the same group starts after it.
      await bus.close();
      const next = await newBus();
      const after = await recorder(next, def, { group: shared, policy: 'retry-then-dlq' });
      await next.publish(def, { id: 'marker', key: 'k', seq: 1 });
      await waitFor(() => after.handled.length >= 1, waitTimeoutMs, 'the marker');
      await sleep(settleMs);
      expect(after.handled.map((event) => event.payload.id)).toEqual(['marker']);
    });

    it('dead-letters an event whose handler always fails, with its key, headers and the reason, and goes on', async () => {
      const bus = await newBus();
      const def = pingEvent('dlq');
      const dlqGroup = group('dlq');
      const { seen, handled } = await recorder(bus, def, { group: dlqGroup, policy: 'retry-then-dlq', maxRetries: 2, retryBackoffMs: 10 }, (event) => {
        if (event.payload.id === 'poison') throw new Error('boom: cannot handle poison');
      });

      const poison = await bus.publish(def, { id: 'poison', key: 'dlq-key', seq: 0 }, { correlationId: 'corr-poison' });
      await bus.publish(def, { id: 'next', key: 'dlq-key', seq: 1 });
      await waitFor(() => handled.length === 1, waitTimeoutMs, 'the event after the poison one');

      expect(handled[0]!.payload.id).toBe('next');
      expect(seen.filter(({ event }) => event.payload.id === 'poison').map(({ ctx }) => ctx.attempt)).toEqual([1, 2, 3]);
      const [original] = await harness.readTopic(def.topic.name, 2);
      const dead = await harness.readTopic(`${def.topic.name}.dlq`, 1);
      expect(dead).toHaveLength(1);
      const letter = dead[0]!;
      expect(letter.key).toBe('dlq-key');
      expect(Buffer.from(letter.value).equals(Buffer.from(original!.value))).toBe(true);
      expect(JSON.parse(utf8.decode(letter.value))).toMatchObject({ eventId: poison.eventId });
      expect(letter.headers).toMatchObject({
        [BUS_HEADERS.eventType]: 'ContractPinged',
        [BUS_HEADERS.correlationId]: 'corr-poison',
        [DLQ_HEADERS.code]: 'handler-failed',
        [DLQ_HEADERS.originalTopic]: def.topic.name,
        [DLQ_HEADERS.originalPartition]: String(original!.partition),
        [DLQ_HEADERS.originalOffset]: original!.offset,
        [DLQ_HEADERS.group]: dlqGroup,
      });
      expect(letter.headers[DLQ_HEADERS.reason]).toContain('boom: cannot handle poison');
      expect(Number.isNaN(Date.parse(letter.headers[DLQ_HEADERS.failedAt]!))).toBe(false);
      expect(await bus.isHealthy()).toBe(true);
    });

    it('stop-on-failure stops the partition without committing or skipping, reports unhealthy, and resumes there', async () => {
      const bus = await newBus();
      const def = pingEvent('stop');
      const shared = group('stop');
      const stuckKey = keyOnPartition('stuck', 0);
      const freeKey = keyOnPartition('free', 1);
      const { seen, handled } = await recorder(bus, def, { group: shared, policy: 'stop-on-failure', maxRetries: 1, retryBackoffMs: 10 }, (event) => {
        if (event.payload.id === 'broken') throw new Error('ledger write failed');
      });

      await bus.publish(def, { id: 'broken', key: stuckKey, seq: 0 });
      await bus.publish(def, { id: 'behind', key: stuckKey, seq: 1 });
      await bus.publish(def, { id: 'elsewhere', key: freeKey, seq: 0 });
      await waitFor(() => seen.filter(({ event }) => event.payload.id === 'broken').length === 2, waitTimeoutMs, 'both attempts');
      await waitFor(() => handled.some((event) => event.payload.id === 'elsewhere'), waitTimeoutMs, 'the other partition');
      await sleep(settleMs);

      expect(handled.map((event) => event.payload.id)).toEqual(['elsewhere']);
      expect(seen.filter(({ event }) => event.payload.id === 'broken')).toHaveLength(2);
      expect(await bus.isHealthy()).toBe(false);
      expect(await harness.readTopic(`${def.topic.name}.dlq`, 0)).toHaveLength(0);

      // Not committed, not skipped: the next consumer of the group starts at the failed event.
      await bus.close();
      const next = await newBus();
      const after = await recorder(next, def, { group: shared, policy: 'stop-on-failure' });
      await waitFor(() => after.handled.length >= 2, waitTimeoutMs, 'the stopped events');
      await sleep(settleMs);
      expect(after.handled.map((event) => event.payload.id)).toEqual(['broken', 'behind']);
      expect(await next.isHealthy()).toBe(true);
    });

    it('dead-letters undecodable messages with the matching reason code and goes on, even under stop-on-failure', async () => {
      const bus = await newBus();
      const def = pingEvent('garbage');
      const { handled } = await recorder(bus, def, { group: group('garbage'), policy: 'stop-on-failure', maxRetries: 0 });
      const key = 'garbage-key';
      const envelope = (type: string, eventVersion: number, payload: unknown) =>
        JSON.stringify({ eventId: randomUUID(), type, eventVersion, correlationId: 'corr-garbage', occurredAt: new Date().toISOString(), producer: 'test', payload });
      const garbage: Array<[code: string, value: Uint8Array | string]> = [
        ['not-json', 'not json {'],
        ['not-json', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
        ['bad-envelope', JSON.stringify({ hello: 'world' })],
        ['unknown-type', envelope('SomethingElse', 1, { id: 'x', key, seq: 0 })],
        ['unsupported-version', envelope('ContractPinged', 2, { id: 'x', key, seq: 0 })],
        ['bad-payload', envelope('ContractPinged', 1, { id: 5 })],
        ['oversized', `"${'x'.repeat(MAX_EVENT_BYTES - 1)}"`],
      ];
      for (const [index, [, value]] of garbage.entries()) await harness.publishRaw(def.topic.name, key, value, { 'x-test-garbage': String(index) });
      await bus.publish(def, { id: 'valid', key, seq: 0 });

      await waitFor(() => handled.length === 1, waitTimeoutMs, 'the valid event after the garbage');
      const dead = await harness.readTopic(`${def.topic.name}.dlq`, garbage.length);
      expect(dead.map((record) => record.headers[DLQ_HEADERS.code])).toEqual(garbage.map(([code]) => code));
      for (const [index, record] of dead.entries()) {
        const sent = garbage[index]![1];
        expect(record.key).toBe(key);
        expect(record.headers['x-test-garbage']).toBe(String(index));
        expect(record.value.byteLength).toBe(typeof sent === 'string' ? Buffer.byteLength(sent) : sent.byteLength);
        expect(record.headers[DLQ_HEADERS.reason]!.length).toBeGreaterThan(0);
      }
      expect(handled.map((event) => event.payload.id)).toEqual(['valid']);
      expect(await bus.isHealthy()).toBe(true);
    });

    it('handles an eventId once even when it is published twice', async () => {
      const bus = await newBus();
      const def = pingEvent('dedup');
      const { handled } = await recorder(bus, def, { group: group('dedup'), policy: 'retry-then-dlq' });

      const eventId = randomUUID();
      await bus.publish(def, { id: 'first-copy', key: 'k', seq: 0 }, { eventId });
      await bus.publish(def, { id: 'second-copy', key: 'k', seq: 0 }, { eventId });
      await bus.publish(def, { id: 'marker', key: 'k', seq: 1 });
      await waitFor(() => handled.some((event) => event.payload.id === 'marker'), waitTimeoutMs, 'the marker');
      await sleep(settleMs);

      expect(handled.map((event) => event.payload.id)).toEqual(['first-copy', 'marker']);
      expect(await harness.readTopic(def.topic.name, 3)).toHaveLength(3);
    });

    it('close() waits for an in-flight handler, and what it handled is committed', async () => {
      const bus = await newBus();
      const def = pingEvent('close');
      const shared = group('close');
      let started!: () => void;
      const handlerStarted = new Promise<void>((resolve) => (started = resolve));
      let finished = false;
      await bus.subscribe(def, async () => {
        started();
        await sleep(400);
        finished = true;
      }, { group: shared, policy: 'retry-then-dlq' });

      await bus.publish(def, { id: 'slow', key: 'k', seq: 0 });
      await handlerStarted;
      await bus.close();
      expect(finished).toBe(true);

      const next = await newBus();
      const after = await recorder(next, def, { group: shared, policy: 'retry-then-dlq' });
      await next.publish(def, { id: 'marker', key: 'k', seq: 1 });
      await waitFor(() => after.handled.length >= 1, waitTimeoutMs, 'the marker');
      await sleep(settleMs);
      expect(after.handled.map((event) => event.payload.id)).toEqual(['marker']);
    });

    it('propagates trace context: publish-time span → PRODUCER span → CONSUMER span active in the handler', async () => {
      const exporter = installTestTracing();
      exporter.reset();
      const bus = await newBus();
      const def = pingEvent('trace');
      let inHandler: { traceId: string; spanId: string } | undefined;
      let headers: Readonly<Record<string, string>> = {};
      await bus.subscribe(def, async (_event, ctx) => {
        inHandler = trace.getActiveSpan()?.spanContext();
        headers = ctx.headers;
      }, { group: group('trace'), policy: 'retry-then-dlq' });

      const root = await trace.getTracer('contract-test').startActiveSpan('request', async (span) => {
        await bus.publish(def, { id: 'traced', key: 'k', seq: 0 });
        span.end();
        return span.spanContext();
      });
      await waitFor(() => inHandler !== undefined, waitTimeoutMs, 'the handler');
      const consumerName = `process ${def.topic.name}`;
      await waitFor(() => exporter.getFinishedSpans().some((span) => span.name === consumerName), waitTimeoutMs, 'the consumer span');

      const spans = exporter.getFinishedSpans();
      const producer = spans.find((span) => span.name === `send ${def.topic.name}`)!;
      const consumer = spans.find((span) => span.name === consumerName)!;
      expect(producer.kind).toBe(SpanKind.PRODUCER);
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(producer.spanContext().traceId).toBe(root.traceId);
      expect(producer.parentSpanContext?.spanId).toBe(root.spanId);
      expect(consumer.spanContext().traceId).toBe(root.traceId);
      expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
      expect(consumer.parentSpanContext?.isRemote).toBe(true);
      expect(inHandler).toMatchObject({ traceId: root.traceId, spanId: consumer.spanContext().spanId });
      expect(headers['traceparent']).toContain(root.traceId);
    });
  });
}
