/**
 * The event bus on Apache Kafka (kafkajs): an idempotent producer keyed with Kafka's murmur2
 * partitioner (concurrent publishes share requests, see `kafka-produce.batcher.ts`), and one
 * consumer per subscription with `autoCommit: false` that hands each fetched batch of a
 * partition to a `KeyedWindow` (`concurrency` messages at once, one per key) and commits up to
 * the first message the shared delivery pipeline (`delivery.pipeline.ts`) did not report as
 * handled, a known duplicate, or copied to `.dlq`.
 *
 * Invariants:
 * - commit only what was processed: the committed offset and kafkajs's fetch position move past
 *   a message only when it and every earlier message of its batch are done, from inside
 *   `eachBatch` (kafkajs drops commits once its runner is stopping, so `close()` stops fetching
 *   by pausing, waits for in-flight messages, and only then disconnects); what a batch left
 *   unresolved is fetched again;
 * - a stopped partition ('stop-on-failure') is paused and never handled again by this consumer
 *   (a guard in `eachBatch` holds even if kafkajs restarts the consumer and forgets the pause);
 *   when a rebalance gives it to another member, this one forgets its stop and that member
 *   retries from the committed offset;
 * - no environment is read here: everything comes from the constructor options.
 */
import { ALL_TOPICS, MAX_EVENT_BYTES, dlqSpecOf, dlqTopicOf, type Envelope, type EventDefinition, type PayloadOf } from '@cohort/contracts';
import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage, type Producer, type RetryOptions } from 'kafkajs';
import { assertBusOpen, BusError } from '../bus.error';
import { describeError, noopBusLogger, type BusLogger } from '../bus.logger';
import { inProducerSpan } from '../bus.tracing';
import { deliver, resolveSubscribeOptions, type ResolvedSubscribeOptions } from '../delivery.pipeline';
import { encodeEvent } from '../event.codec';
import { KeyedWindow, type WindowOutcome } from '../keyed.window';
import type { EventBus, EventHandler, PublishOptions, SubscribeOptions, Subscription } from '../event-bus.port';
import { partitionForKey } from '../murmur2.partitioner';
import { RecentIdsByGroup, type RecentIdsCache } from '../recent-ids.cache';
import { headersToStrings, kafkaLogCreator } from './kafka.logging';
import { KafkaProduceBatcher } from './kafka-produce.batcher';
import { KafkaTopicAdmin } from './kafka-topic.admin';

/** Consumer knobs; the defaults suit production, tests lower them (see the int spec). */
export interface KafkaConsumerTuning {
  /** Group session timeout (default 30 000 ms). A handler (with its retries) must finish well within it. */
  readonly sessionTimeout?: number;
  /** Time members get to rejoin during a rebalance (default 60 000 ms). */
  readonly rebalanceTimeout?: number;
  /** Heartbeat period (default 3 000 ms); other members notice a join or leave about this fast. */
  readonly heartbeatInterval?: number;
  /** Fetch long-poll; bounds how long `close()` waits for an idle fetch (default 1 000 ms). */
  readonly maxWaitTimeInMs?: number;
  /** Partitions of one subscription handled in parallel (default 6); within one, `concurrency` applies. */
  readonly partitionsConsumedConcurrently?: number;
  /** kafkajs retry of the consumer's own requests (default kafkajs's). */
  readonly retry?: RetryOptions;
}

export interface KafkaEventBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger?: BusLogger;
  /** `producer` field of the envelopes this bus publishes; default `clientId`. */
  readonly producer?: string;
  /** Event ids remembered per group for duplicate skipping; default 10 000. */
  readonly recentIdsCapacity?: number;
  /** Replication factor of created topics; default -1 (the broker's `default.replication.factor`). */
  readonly replicationFactor?: number;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** How long `subscribe` waits for the consumer to join its group (default 60 000 ms). */
  readonly joinTimeoutMs?: number;
  readonly consumer?: KafkaConsumerTuning;
}

export const KAFKA_MESSAGING_SYSTEM = 'kafka';

/** Kafka's murmur2 partitioner, the same function the embedded broker uses. */
const murmur2Partitioner = () => (args: { partitionMetadata: readonly unknown[]; message: { key?: Buffer | string | null } }) => {
  const key = args.message.key;
  if (key === null || key === undefined) return 0;
  return partitionForKey(typeof key === 'string' ? key : new Uint8Array(key.buffer, key.byteOffset, key.byteLength), args.partitionMetadata.length);
};

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

class KafkaSubscription<D extends EventDefinition> implements Subscription {
  private readonly consumer: Consumer;
  private readonly topic: string;
  private readonly controller = new AbortController();
  private readonly stopped = new Set<number>();
  private readonly inFlight = new Set<Promise<void>>();
  private crashed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly bus: KafkaEventBus,
    kafka: Kafka,
    private readonly producer: KafkaProduceBatcher,
    private readonly definition: D,
    private readonly handler: EventHandler<D>,
    private readonly options: ResolvedSubscribeOptions,
    private readonly recentIds: RecentIdsCache,
    private readonly logger: BusLogger,
    private readonly tuning: KafkaConsumerTuning,
  ) {
    this.topic = definition.topic.name;
    this.consumer = kafka.consumer({
      groupId: options.group,
      allowAutoTopicCreation: false,
      sessionTimeout: tuning.sessionTimeout ?? 30_000,
      rebalanceTimeout: tuning.rebalanceTimeout ?? 60_000,
      heartbeatInterval: tuning.heartbeatInterval ?? 3_000,
      maxWaitTimeInMs: tuning.maxWaitTimeInMs ?? 1_000,
      ...(tuning.retry ? { retry: tuning.retry } : {}),
    });
  }

  get unhealthy(): boolean {
    return this.stopped.size > 0 || this.crashed;
  }

  async start(joinTimeoutMs: number): Promise<void> {
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    let onJoined: () => void = () => undefined;
    const joined = new Promise<void>((resolve) => (onJoined = resolve));
    this.consumer.on(GROUP_JOIN, (event) => {
      onJoined();
      this.releaseLostPartitions(event.payload.memberAssignment[this.topic] ?? []);
    });
    this.consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload;
      if (!restart && !this.closing) {
        this.crashed = true;
        this.logger.error({ topic: this.topic, group: this.options.group, err: describeError(error) }, 'consumer crashed and will not restart; the bus reports unhealthy');
      }
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.tuning.partitionsConsumedConcurrently ?? 6,
        eachBatch: (payload) => this.track(this.onBatch(payload)),
      });
      await Promise.race([
        joined,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not a member of group ${this.options.group} after ${joinTimeoutMs} ms`)), joinTimeoutMs);
        }),
      ]);
    } catch (error) {
      await this.consumer.disconnect().catch(() => undefined);
      const { name, message } = describeError(error);
      throw new BusError('subscribe-failed', `could not subscribe group ${this.options.group} to ${this.topic} (${name}: ${message}); check the broker and the topic`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    void work.then(
      () => this.inFlight.delete(work),
      () => this.inFlight.delete(work),
    );
    return work;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, pause, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { partition } = batch;
    const window = new KeyedWindow(this.options.concurrency, async (next) => {
      resolveOffset((next - 1n).toString());
      await this.consumer.commitOffsets([{ topic: this.topic, partition, offset: next.toString() }]);
    });
    let rebalancing: unknown;
    for (const message of batch.messages) {
      if (this.closing || this.stopped.has(partition)) {
        // Not ours to handle any more: leave it uncommitted and stop fetching this partition.
        pause();
        break;
      }
      if (!isRunning() || isStale()) break;
      const key = message.key === null ? null : message.key.toString('utf8');
      if (!(await window.start(BigInt(message.offset), key, () => this.deliverOne(partition, key, message, heartbeat)))) break;
      try {
        await heartbeat(); // sent at most once per heartbeat interval
      } catch (error) {
        // The group is rebalancing: start nothing more, finish what runs, and let kafkajs rejoin.
        rebalancing = error;
        break;
      }
    }
    await window.drain();
    if (this.closing || this.stopped.has(partition)) pause();
    if (rebalancing !== undefined) throw rebalancing;
  }

  private async deliverOne(partition: number, key: string | null, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<WindowOutcome> {
    const outcome = await deliver(
      {
        topic: this.topic,
        partition,
        offset: message.offset,
        key,
        value: message.value ?? new Uint8Array(0),
        headers: headersToStrings(message.headers),
      },
      {
        definition: this.definition,
        handler: this.handler,
        options: this.options,
        recentIds: this.recentIds,
        signal: this.controller.signal,
        system: KAFKA_MESSAGING_SYSTEM,
        logger: this.logger,
        heartbeat,
        deadLetter: async (original, headers) => {
          await this.producer.send(dlqTopicOf(original.topic), { key: message.key, value: message.value, headers });
        },
      },
    );
    switch (outcome) {
      case 'handled':
      case 'duplicate':
      case 'dead-lettered':
        return 'commit';
      case 'stopped':
        this.stopped.add(partition);
        return 'keep';
      case 'aborted':
        // Closing (already paused) or losing the partition to a rebalance: left uncommitted.
        return 'keep';
    }
  }

  /** A stop belongs to an owner: a partition taken away on a rebalance is retried by its new owner. */
  private releaseLostPartitions(assigned: readonly number[]): void {
    for (const partition of [...this.stopped]) {
      if (assigned.includes(partition)) continue;
      this.stopped.delete(partition);
      this.consumer.resume([{ topic: this.topic, partitions: [partition] }]);
      this.logger.warn({ topic: this.topic, partition, group: this.options.group }, 'stopped partition moved to another member on a rebalance; it will retry the message');
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.controller.abort();
      try {
        this.consumer.pause([{ topic: this.topic }]);
      } catch {
        // Not running (crashed or never started): nothing to pause.
      }
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      await this.consumer.disconnect().catch((error: unknown) => {
        this.logger.warn({ topic: this.topic, group: this.options.group, err: describeError(error) }, 'consumer did not disconnect cleanly');
      });
      this.bus.forget(this);
    })();
    return this.closing;
  }
}

export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly batcher: KafkaProduceBatcher;
  private readonly admin: Admin;
  private readonly topics: KafkaTopicAdmin;
  private readonly logger: BusLogger;
  private readonly producerName: string;
  private readonly recentIds: RecentIdsByGroup;
  private readonly subscriptions = new Set<{ readonly unhealthy: boolean; close(): Promise<void> }>();
  private starting: Promise<void> | undefined;
  private started = false;
  /** Set when `close()` begins: no new subscription; publishing goes on until handlers are done. */
  private closing = false;
  private closed = false;
  private closed$: Promise<void> | undefined;

  constructor(private readonly options: KafkaEventBusOptions) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new BusError('invalid-argument', 'options.brokers must list at least one host:port');
    }
    if (typeof options.clientId !== 'string' || options.clientId.length === 0) {
      throw new BusError('invalid-argument', 'options.clientId must be a non-empty string');
    }
    this.logger = options.logger ?? noopBusLogger;
    this.producerName = options.producer ?? options.clientId;
    this.recentIds = new RecentIdsByGroup(options.recentIdsCapacity ?? 10_000);
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(this.logger),
      ...(options.connectionTimeoutMs !== undefined ? { connectionTimeout: options.connectionTimeoutMs } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}),
    });
    // One in-flight request keeps the idempotent producer's sequence numbers in order on retry.
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: murmur2Partitioner });
    this.batcher = new KafkaProduceBatcher(this.producer, MAX_EVENT_BYTES);
    this.admin = this.kafka.admin();
    this.topics = new KafkaTopicAdmin(this.admin, this.logger, options.replicationFactor ?? -1);
  }

  start(): Promise<void> {
    if (this.closing) return Promise.reject(new BusError('closed', 'this bus was closed; create a new one'));
    this.starting ??= (async () => {
      try {
        await Promise.all([this.admin.connect(), this.producer.connect()]);
      } catch (error) {
        this.starting = undefined;
        const { name, message } = describeError(error);
        throw new BusError('publish-failed', `could not connect to Kafka at ${this.options.brokers.join(',')} (${name}: ${message})`, { cause: error });
      }
      await this.topics.ensure(ALL_TOPICS).catch((error: unknown) => {
        this.starting = undefined;
        throw error;
      });
      this.started = true;
      this.logger.info({ brokers: this.options.brokers, clientId: this.options.clientId }, 'event bus started');
    })();
    return this.starting;
  }

  async publish<D extends EventDefinition>(definition: D, payload: PayloadOf<D>, options?: PublishOptions): Promise<Envelope<D['type'], PayloadOf<D>>> {
    assertBusOpen(this.closed, this.started);
    const encoded = encodeEvent(definition, payload, options, this.producerName);
    await this.topics.ensure([definition.topic, dlqSpecOf(definition.topic)]);
    const topic = definition.topic.name;
    const headers = { ...encoded.headers };
    await inProducerSpan(topic, KAFKA_MESSAGING_SYSTEM, { 'messaging.message.id': encoded.envelope.eventId, 'messaging.kafka.message.key': encoded.key }, headers, async () => {
      try {
        await this.batcher.send(topic, { key: encoded.key, value: toBuffer(encoded.value), headers });
      } catch (error) {
        const { name, message } = describeError(error);
        throw new BusError('publish-failed', `Kafka did not take ${definition.type} on ${topic} (${name}: ${message})`, { cause: error });
      }
    });
    return encoded.envelope;
  }

  async subscribe<D extends EventDefinition>(definition: D, handler: EventHandler<D>, options: SubscribeOptions): Promise<Subscription> {
    assertBusOpen(this.closing, this.started);
    const resolved = resolveSubscribeOptions(options);
    await this.topics.ensure([definition.topic, dlqSpecOf(definition.topic)]);
    const subscription = new KafkaSubscription(this, this.kafka, this.batcher, definition, handler, resolved, this.recentIds.forGroup(resolved.group), this.logger, this.options.consumer ?? {});
    this.subscriptions.add(subscription);
    try {
      await subscription.start(this.options.joinTimeoutMs ?? 60_000);
    } catch (error) {
      this.subscriptions.delete(subscription);
      throw error;
    }
    return subscription;
  }

  async isHealthy(): Promise<boolean> {
    if (!this.started || this.closing) return false;
    for (const subscription of this.subscriptions) if (subscription.unhealthy) return false;
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), 5_000);
      });
      await Promise.race([this.admin.describeCluster(), timeout]).finally(() => clearTimeout(timer));
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    this.closed$ ??= (async () => {
      this.closing = true;
      // Subscriptions first: their in-flight handlers may still publish (and dead-letter).
      await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
      this.closed = true;
      await this.starting?.catch(() => undefined);
      await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
      this.logger.info({ clientId: this.options.clientId }, 'event bus closed');
    })();
    return this.closed$;
  }

  /** @internal called by a subscription once its consumer has disconnected. */
  forget(subscription: { readonly unhealthy: boolean; close(): Promise<void> }): void {
    this.subscriptions.delete(subscription);
  }
}
