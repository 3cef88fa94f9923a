/**
 * What happens to one message delivered to one subscription, the same for both adapters:
 * decode at the edge (undecodable → `.dlq` at once), skip an eventId the group already handled,
 * call the handler (in a CONSUMER span, with the event's correlation id current) with bounded
 * retries and exponential backoff, then apply the failure policy. The caller commits
 * `offset + 1` exactly when the outcome is `handled`, `duplicate` or `dead-lettered`.
 * Invariants: a message is never committed unless it was handled, recognised as handled, or
 * copied to `.dlq`; under 'stop-on-failure' a failing message is never skipped; a closing
 * subscription starts no new attempt.
 */
import { ContractViolation, decodeEvent, type Envelope, type EventDefinition, type PayloadOf } from '@cohort/contracts';
import { BusError } from './bus.error';
import { describeError, type BusLogger } from './bus.logger';
import { inConsumerSpan } from './bus.tracing';
import { runWithCorrelationId } from './correlation.context';
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_BACKOFF_MS,
  DLQ_HEADERS,
  type DeliveryContext,
  type DlqCode,
  type EventHandler,
  MAX_CONCURRENCY,
  type FailurePolicy,
  type SubscribeOptions,
} from './event-bus.port';
import type { RecentIdsCache } from './recent-ids.cache';

/** A message as both adapters see it before decoding. */
export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

export type DeliveryOutcome =
  /** The handler resolved. Commit. */
  | 'handled'
  /** The group already handled this eventId. Commit. */
  | 'duplicate'
  /** Copied to `.dlq` (undecodable, or retries exhausted under 'retry-then-dlq'). Commit. */
  | 'dead-lettered'
  /** Retries exhausted under 'stop-on-failure': do not commit, stop the partition. */
  | 'stopped'
  /** The subscription is closing (or lost the partition): do not commit; the next owner redelivers. */
  | 'aborted';

export interface ResolvedSubscribeOptions {
  readonly group: string;
  readonly policy: FailurePolicy;
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  readonly concurrency: number;
}

/** No single backoff wait is longer than this, whatever the doubling reaches. */
export const MAX_BACKOFF_MS = 60_000;

export function resolveSubscribeOptions(options: SubscribeOptions): ResolvedSubscribeOptions {
  const { group, policy } = options;
  if (typeof group !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(group)) {
    throw new BusError('invalid-argument', `options.group must be 1-200 characters of letters, digits, '.', '_' and '-', got '${String(group)}'`);
  }
  if (policy !== 'retry-then-dlq' && policy !== 'stop-on-failure') {
    throw new BusError('invalid-argument', `options.policy must be 'retry-then-dlq' or 'stop-on-failure', got '${String(policy)}'`);
  }
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 20) {
    throw new BusError('invalid-argument', `options.maxRetries must be an integer from 0 to 20, got ${maxRetries}`);
  }
  const retryBackoffMs = options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
  if (!Number.isFinite(retryBackoffMs) || retryBackoffMs < 0 || retryBackoffMs > MAX_BACKOFF_MS) {
    throw new BusError('invalid-argument', `options.retryBackoffMs must be from 0 to ${MAX_BACKOFF_MS}, got ${retryBackoffMs}`);
  }
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new BusError('invalid-argument', `options.concurrency must be an integer from 1 to ${MAX_CONCURRENCY}, got ${concurrency}`);
  }
  return { group, policy, maxRetries, retryBackoffMs, concurrency };
}

/** The wait before retry number `retry` (1-based): backoff · 2^(retry−1), capped. */
export function backoffMs(retryBackoffMs: number, retry: number): number {
  return Math.min(MAX_BACKOFF_MS, retryBackoffMs * 2 ** (retry - 1));
}

/** The headers of the `.dlq` copy: the original ones plus the reason. */
export function deadLetterHeaders(message: IncomingMessage, group: string, code: DlqCode, reason: string): Record<string, string> {
  return {
    ...message.headers,
    [DLQ_HEADERS.reason]: reason.length > 1000 ? `${reason.slice(0, 997)}...` : reason,
    [DLQ_HEADERS.code]: code,
    [DLQ_HEADERS.originalTopic]: message.topic,
    [DLQ_HEADERS.originalPartition]: String(message.partition),
    [DLQ_HEADERS.originalOffset]: message.offset,
    [DLQ_HEADERS.group]: group,
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
}

export interface DeliveryDeps<D extends EventDefinition> {
  readonly definition: D;
  readonly handler: EventHandler<D>;
  readonly options: ResolvedSubscribeOptions;
  readonly recentIds: RecentIdsCache;
  /** Aborted when the subscription starts closing: no new attempt, backoff cut short. */
  readonly signal: AbortSignal;
  /** `messaging.system` of the consumer spans. */
  readonly system: string;
  readonly logger: BusLogger;
  /** Appends the `.dlq` copy (original key, value and headers plus `headers`); rejects if it could not. */
  deadLetter(message: IncomingMessage, headers: Record<string, string>): Promise<void>;
  /** Keeps group membership alive during long backoffs (Kafka); rejects when the partition is being revoked. */
  heartbeat?(): Promise<void>;
}

/** Resolves after `ms`, or early (false) when `signal` aborts or `tick` (called about every second) rejects. */
async function pause(ms: number, signal: AbortSignal, tick?: () => Promise<void>): Promise<boolean> {
  let left = ms;
  while (left > 0) {
    if (signal.aborted) return false;
    const step = Math.min(left, 1000);
    const completed = await new Promise<boolean>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, step);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    if (!completed) return false;
    left -= step;
    if (tick) {
      try {
        await tick();
      } catch {
        // The group is rebalancing away from us: the new owner will redeliver.
        return false;
      }
    }
  }
  return !signal.aborted;
}

export async function deliver<D extends EventDefinition>(message: IncomingMessage, deps: DeliveryDeps<D>): Promise<DeliveryOutcome> {
  const { definition, handler, options, logger } = deps;
  const where = { topic: message.topic, partition: message.partition, offset: message.offset, group: options.group };
  if (deps.signal.aborted) return 'aborted';

  let event: Envelope<D['type'], PayloadOf<D>>;
  try {
    event = decodeEvent(definition, message.value) as Envelope<D['type'], PayloadOf<D>>;
  } catch (error) {
    if (!(error instanceof ContractViolation)) throw error;
    await deps.deadLetter(message, deadLetterHeaders(message, options.group, error.code, error.reason));
    logger.warn({ ...where, code: error.code, reason: error.reason }, 'undecodable message sent to the dead-letter topic');
    return 'dead-lettered';
  }
  const ids = { ...where, eventId: event.eventId, correlationId: event.correlationId, eventType: event.type };

  if (deps.recentIds.has(event.eventId)) {
    logger.info(ids, 'event already handled by this group; skipped');
    return 'duplicate';
  }

  let lastError: unknown;
  for (let attempt = 1; attempt <= options.maxRetries + 1; attempt++) {
    if (attempt > 1) {
      const waited = await pause(backoffMs(options.retryBackoffMs, attempt - 1), deps.signal, deps.heartbeat);
      if (!waited) return 'aborted';
    }
    const context: DeliveryContext = { ...where, key: message.key, headers: message.headers, attempt };
    try {
      await inConsumerSpan(
        message.topic,
        deps.system,
        {
          'messaging.consumer.group.name': options.group,
          'messaging.destination.partition.id': String(message.partition),
          'messaging.kafka.offset': Number(message.offset),
          'messaging.message.id': event.eventId,
          ...(message.key !== null ? { 'messaging.kafka.message.key': message.key } : {}),
          'cohort.delivery.attempt': attempt,
        },
        message.headers,
        () => runWithCorrelationId(event.correlationId, () => handler(event, context)),
      );
      deps.recentIds.add(event.eventId);
      return 'handled';
    } catch (error) {
      lastError = error;
      logger.warn({ ...ids, attempt, maxAttempts: options.maxRetries + 1, err: describeError(error) }, 'handler failed');
      if (deps.signal.aborted) return 'aborted';
    }
  }

  const { name, message: text } = describeError(lastError);
  const reason = `handler failed ${options.maxRetries + 1} time(s); last error ${name}: ${text}`;
  if (options.policy === 'stop-on-failure') {
    logger.error({ ...ids, reason }, 'partition stopped: an ordered stream cannot skip this event; fix the cause and restart the consumer');
    return 'stopped';
  }
  await deps.deadLetter(message, deadLetterHeaders(message, options.group, 'handler-failed', reason));
  logger.warn({ ...ids, code: 'handler-failed' }, 'event sent to the dead-letter topic after its retries');
  return 'dead-lettered';
}
