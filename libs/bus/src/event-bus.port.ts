/**
 * The event bus port. Services publish and consume through this interface only; the Kafka and the
 * embedded adapters implement it with the same semantics (the contract suite in
 * `testing/bus-contract.ts` runs against both and checks each line below):
 *
 * - publish: the payload is validated against the definition's schema, the envelope is built
 *   here, the message is keyed by `keyOf(payload)` (murmur2 of the key picks the partition, as in
 *   Kafka's default partitioner), and the W3C trace context of a PRODUCER span (child of the
 *   active span) is injected into the headers. The correlation id defaults to that of the event
 *   being handled, else a fresh one. Resolves once the broker has the message.
 * - subscribe: one consumer group per (service, purpose); consumers sharing a group split the
 *   partitions; per-partition sequential delivery by default, hence per-key ordering; the
 *   handler's promise resolves before the offset is committed (offset + 1), so delivery is at
 *   least once and a handler must be idempotent. With `concurrency` n > 1 up to n messages of a
 *   partition are handled at once, never two of one key (per-key order still holds), and the
 *   committed offset only passes a message once it and every earlier one of its partition are
 *   done (after a crash, what was handled past that point is delivered again). A group that has never committed starts at the earliest retained
 *   message. The bus also skips an eventId the group already handled in this process (a bounded
 *   LRU of recent ids: it catches re-publishes and redeliveries, it is not a durable guarantee).
 * - failure policy, stated by every consumer:
 *     'retry-then-dlq'  independent events: bounded retries with backoff, then `<topic>.dlq`
 *                       with the reason in headers; consumption goes on.
 *     'stop-on-failure' ordered streams (round state, ledger): bounded retries, then the
 *                       partition stops (not committed, not skipped) and the failure is reported
 *                       (`isHealthy()` turns false); other partitions go on. Closing the
 *                       subscription releases the partition: the next owner retries the message.
 *   Undecodable messages (not JSON, wrong schema, unknown type, oversized) go straight to `.dlq`
 *   under either policy: they can never succeed, and stopping on them would block the stream.
 * - close: stop fetching, let in-flight handlers finish (a pending retry backoff is cut short and
 *   that message left uncommitted), commit what was handled, disconnect.
 */
import type { ContractViolationCode, Envelope, EventDefinition, PayloadOf } from '@cohort/contracts';

export interface PublishOptions {
  /** Defaults to the correlation id of the event being handled, else a new one. */
  readonly correlationId?: string;
  /**
   * Defaults to a fresh UUID. Pass the stored id when re-publishing the same fact (an outbox
   * relay after a crash): consumers skip an eventId their group already handled.
   */
  readonly eventId?: string;
}

export type FailurePolicy = 'retry-then-dlq' | 'stop-on-failure';

export interface SubscribeOptions {
  /** Consumer group: consumers sharing it split the partitions between them. */
  readonly group: string;
  readonly policy: FailurePolicy;
  /** Attempts after the first one before the policy applies (default 3). */
  readonly maxRetries?: number;
  /** First backoff; doubles each retry (default 100 ms). */
  readonly retryBackoffMs?: number;
  /**
   * Messages of one partition handled at once, never two with the same key (default 1: one after
   * the other). For independent events whose handler waits on something that batches (a model,
   * a remote service); ordered streams keep 1.
   */
  readonly concurrency?: number;
}

export const DEFAULT_MAX_RETRIES = 3;
export const MAX_CONCURRENCY = 1024;
export const DEFAULT_RETRY_BACKOFF_MS = 100;

export interface DeliveryContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** 1 for the first delivery of this message to this handler. */
  readonly attempt: number;
}

export type EventHandler<D extends EventDefinition> = (
  event: Envelope<D['type'], PayloadOf<D>>,
  context: DeliveryContext,
) => Promise<void>;

export interface Subscription {
  /** Stops delivery to this handler after the in-flight message is done. */
  close(): Promise<void>;
}

/** Headers set on every published message (next to `traceparent` / `tracestate`). */
export const BUS_HEADERS = {
  eventType: 'x-cohort-event-type',
  correlationId: 'x-cohort-correlation-id',
} as const;

/** Headers set on a `.dlq` copy, next to the original key and headers. */
export const DLQ_HEADERS = {
  reason: 'x-cohort-dlq-reason',
  code: 'x-cohort-dlq-code',
  originalTopic: 'x-cohort-dlq-original-topic',
  originalPartition: 'x-cohort-dlq-original-partition',
  originalOffset: 'x-cohort-dlq-original-offset',
  group: 'x-cohort-dlq-group',
  failedAt: 'x-cohort-dlq-failed-at',
} as const;

/** Value of `x-cohort-dlq-code`: why the message could not be decoded, or that the handler gave up. */
export type DlqCode = ContractViolationCode | 'handler-failed';

export interface EventBus {
  /** Connects and creates the registry's topics (idempotent). */
  start(): Promise<void>;
  publish<D extends EventDefinition>(definition: D, payload: PayloadOf<D>, options?: PublishOptions): Promise<Envelope<D['type'], PayloadOf<D>>>;
  subscribe<D extends EventDefinition>(definition: D, handler: EventHandler<D>, options: SubscribeOptions): Promise<Subscription>;
  /** Health: true while connected and no open subscription has stopped on a failure. */
  isHealthy(): Promise<boolean>;
  /** Graceful shutdown: stop fetching, finish in-flight handlers, commit, disconnect. */
  close(): Promise<void>;
}

export const EVENT_BUS = Symbol.for('cohort.EventBus');
