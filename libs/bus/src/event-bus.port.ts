/**
 * The event bus port. Services publish and consume through this interface only; the Kafka and the
 * embedded adapters implement it with the same semantics:
 *
 * - publish: keyed by the definition's `keyOf(payload)`, envelope built here, W3C trace context
 *   of the active span injected into the headers.
 * - subscribe: one consumer group per (service, purpose); per-key ordering; the handler's promise
 *   resolves before the offset is committed (offset + 1), so delivery is at least once and a
 *   handler must be idempotent. The bus also skips an eventId the group already handled.
 * - failure policy, stated by every consumer:
 *     'retry-then-dlq'  independent events: bounded retries with backoff, then `<topic>.dlq`
 *                       with the reason in headers; consumption goes on.
 *     'stop-on-failure' ordered streams (round state, ledger): bounded retries, then the
 *                       partition stops (not committed, not skipped) and the failure is reported.
 *   Undecodable messages (not JSON, wrong schema, unknown type, oversized) go straight to `.dlq`
 *   under either policy: they can never succeed, and stopping on them would block the stream.
 */
import type { Envelope, EventDefinition, PayloadOf } from '@cohort/contracts';

export interface PublishOptions {
  /** Defaults to the correlation id of the event being handled, else a new one. */
  readonly correlationId?: string;
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
}

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

export interface EventBus {
  /** Connects and creates the registry's topics (idempotent). */
  start(): Promise<void>;
  publish<D extends EventDefinition>(definition: D, payload: PayloadOf<D>, options?: PublishOptions): Promise<Envelope<D['type'], PayloadOf<D>>>;
  subscribe<D extends EventDefinition>(definition: D, handler: EventHandler<D>, options: SubscribeOptions): Promise<Subscription>;
  /** Health: true while connected and no subscription has stopped on a failure. */
  isHealthy(): Promise<boolean>;
  /** Graceful shutdown: stop fetching, finish in-flight handlers, commit, disconnect. */
  close(): Promise<void>;
}

export const EVENT_BUS = Symbol.for('cohort.EventBus');
