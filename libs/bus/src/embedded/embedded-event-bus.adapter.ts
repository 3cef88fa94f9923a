/**
 * The in-process event bus (standalone mode, unit tests): the `EventBus` port over an
 * `EmbeddedBroker`, with the same semantics as the Kafka adapter — the shared pieces
 * (`encodeEvent`, `deliver`, tracing) are the very same code, and the broker mimics Kafka's
 * partitions, offsets and groups. Messages are stored as JSON bytes and decoded on delivery, so
 * garbage takes the same path as on Kafka.
 * Invariants: as the port; plus `close()` resolves only after every in-flight handler of this bus
 * has settled and its outcome has been committed (or left for redelivery).
 */
import { ALL_TOPICS, dlqTopicOf, type Envelope, type EventDefinition, type PayloadOf } from '@cohort/contracts';
import { assertBusOpen, BusError } from '../bus.error';
import { describeError, noopBusLogger, type BusLogger } from '../bus.logger';
import { inProducerSpan } from '../bus.tracing';
import { deliver, resolveSubscribeOptions, type ResolvedSubscribeOptions } from '../delivery.pipeline';
import { encodeEvent } from '../event.codec';
import type { EventBus, EventHandler, PublishOptions, SubscribeOptions, Subscription } from '../event-bus.port';
import { RecentIdsByGroup, type RecentIdsCache } from '../recent-ids.cache';
import { EmbeddedBroker, type EmbeddedMember, type RawRecord } from './embedded-broker';

export interface EmbeddedEventBusOptions {
  /** Share one broker between buses to model several processes on one cluster; default: a private one. */
  readonly broker?: EmbeddedBroker;
  readonly logger?: BusLogger;
  /** `producer` field of the envelopes this bus publishes; default 'cohort'. */
  readonly producer?: string;
  /** Event ids remembered per group for duplicate skipping; default 10 000. */
  readonly recentIdsCapacity?: number;
}

export const EMBEDDED_MESSAGING_SYSTEM = 'cohort-embedded';

const utf8 = new TextEncoder();

class EmbeddedSubscription<D extends EventDefinition> implements EmbeddedMember, Subscription {
  readonly topic: string;
  private readonly controller = new AbortController();
  private readonly stopped = new Set<number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly bus: EmbeddedEventBus,
    private readonly broker: EmbeddedBroker,
    private readonly definition: D,
    private readonly handler: EventHandler<D>,
    private readonly options: ResolvedSubscribeOptions,
    private readonly recentIds: RecentIdsCache,
    private readonly logger: BusLogger,
  ) {
    this.topic = definition.topic.name;
  }

  get concurrency(): number {
    return this.options.concurrency;
  }

  isActive(): boolean {
    return this.closing === undefined;
  }

  isStopped(partition: number): boolean {
    return this.stopped.has(partition);
  }

  release(partition: number): void {
    if (this.stopped.delete(partition)) {
      this.logger.warn({ topic: this.topic, partition, group: this.options.group }, 'stopped partition moved to another member; it will retry the message');
    }
  }

  hasStoppedPartition(): boolean {
    return this.stopped.size > 0;
  }

  deliver(record: RawRecord): Promise<'commit' | 'keep'> {
    const run = this.run(record);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }

  private async run(record: RawRecord): Promise<'commit' | 'keep'> {
    try {
      const outcome = await deliver(record, {
        definition: this.definition,
        handler: this.handler,
        options: this.options,
        recentIds: this.recentIds,
        signal: this.controller.signal,
        system: EMBEDDED_MESSAGING_SYSTEM,
        logger: this.logger,
        deadLetter: async (message, headers) => {
          this.broker.append(dlqTopicOf(message.topic), message.key, message.value, headers);
        },
      });
      if (outcome === 'stopped') this.stopped.add(record.partition);
      return outcome === 'handled' || outcome === 'duplicate' || outcome === 'dead-lettered' ? 'commit' : 'keep';
    } catch (error) {
      this.logger.error({ topic: record.topic, partition: record.partition, offset: record.offset, group: this.options.group, err: describeError(error) }, 'delivery failed; the message stays uncommitted');
      return 'keep';
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.controller.abort();
      // Hand idle partitions to the other members now; the busy one moves once its handler settles.
      this.broker.rebalance(this.options.group, this.topic);
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      this.broker.leave(this.options.group, this);
      this.bus.forget(this);
    })();
    return this.closing;
  }
}

export class EmbeddedEventBus implements EventBus {
  readonly broker: EmbeddedBroker;
  private readonly logger: BusLogger;
  private readonly producer: string;
  private readonly recentIds: RecentIdsByGroup;
  private readonly subscriptions = new Set<{ hasStoppedPartition(): boolean; close(): Promise<void> }>();
  private started = false;
  /** Set when `close()` begins: no new subscription; publishing goes on until handlers are done. */
  private closing = false;
  private closed = false;

  constructor(options: EmbeddedEventBusOptions = {}) {
    this.broker = options.broker ?? new EmbeddedBroker();
    this.logger = options.logger ?? noopBusLogger;
    this.producer = options.producer ?? 'cohort';
    this.recentIds = new RecentIdsByGroup(options.recentIdsCapacity ?? 10_000);
  }

  async start(): Promise<void> {
    if (this.closing) throw new BusError('closed', 'this bus was closed; create a new one');
    for (const spec of ALL_TOPICS) this.broker.ensureTopic(spec);
    this.started = true;
  }

  async publish<D extends EventDefinition>(definition: D, payload: PayloadOf<D>, options?: PublishOptions): Promise<Envelope<D['type'], PayloadOf<D>>> {
    assertBusOpen(this.closed, this.started);
    const encoded = encodeEvent(definition, payload, options, this.producer);
    this.broker.ensureTopicWithDlq(definition.topic);
    const topic = definition.topic.name;
    const headers = { ...encoded.headers };
    await inProducerSpan(topic, EMBEDDED_MESSAGING_SYSTEM, { 'messaging.message.id': encoded.envelope.eventId, 'messaging.kafka.message.key': encoded.key }, headers, async () => {
      this.broker.append(topic, encoded.key, encoded.value, headers);
    });
    return encoded.envelope;
  }

  async subscribe<D extends EventDefinition>(definition: D, handler: EventHandler<D>, options: SubscribeOptions): Promise<Subscription> {
    assertBusOpen(this.closing, this.started);
    const resolved = resolveSubscribeOptions(options);
    this.broker.ensureTopicWithDlq(definition.topic);
    const subscription = new EmbeddedSubscription(this, this.broker, definition, handler, resolved, this.recentIds.forGroup(resolved.group), this.logger);
    this.subscriptions.add(subscription);
    this.broker.join(resolved.group, subscription);
    return subscription;
  }

  /** Appends raw bytes, bypassing the envelope (tests inject garbage with it). The topic must exist. */
  async publishRaw(topic: string, key: string | null, value: Uint8Array | string, headers: Readonly<Record<string, string>> = {}): Promise<void> {
    this.broker.append(topic, key, typeof value === 'string' ? utf8.encode(value) : value, headers);
  }

  /** Every retained record of a topic (a `.dlq` included), partition by partition. */
  readTopic(topic: string): RawRecord[] {
    return this.broker.read(topic);
  }

  async isHealthy(): Promise<boolean> {
    if (!this.started || this.closing) return false;
    for (const subscription of this.subscriptions) if (subscription.hasStoppedPartition()) return false;
    return true;
  }

  async close(): Promise<void> {
    this.closing = true;
    // Subscriptions first: their in-flight handlers may still publish (and dead-letter).
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.closed = true;
  }

  /** @internal called by a subscription once it has left its group. */
  forget(subscription: { hasStoppedPartition(): boolean; close(): Promise<void> }): void {
    this.subscriptions.delete(subscription);
  }
}
