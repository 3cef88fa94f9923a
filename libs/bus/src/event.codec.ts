/**
 * Outgoing side of the wire format, shared by both adapters: a payload becomes an envelope
 * (validated against the definition), JSON bytes, a key and the bus headers. Decoding is
 * `decodeEvent` from `@cohort/contracts` (the edge), so both directions obey one schema.
 * Invariant: nothing leaves `encodeEvent` that `decodeEvent(definition, value)` would refuse.
 */
import { randomUUID } from 'node:crypto';
import { CorrelationId, EventId, MAX_EVENT_BYTES, type Envelope, type EventDefinition, type PayloadOf } from '@cohort/contracts';
import { BusError } from './bus.error';
import { currentCorrelationId } from './correlation.context';
import { BUS_HEADERS, type PublishOptions } from './event-bus.port';

export interface EncodedEvent<D extends EventDefinition> {
  readonly envelope: Envelope<D['type'], PayloadOf<D>>;
  readonly key: string;
  readonly value: Uint8Array;
  /** Bus headers; the tracing layer adds `traceparent`/`tracestate`. */
  readonly headers: Record<string, string>;
}

const utf8 = new TextEncoder();

function issues(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

export function encodeEvent<D extends EventDefinition>(definition: D, payload: PayloadOf<D>, options: PublishOptions | undefined, producer: string): EncodedEvent<D> {
  const parsed = definition.payload.safeParse(payload);
  if (!parsed.success) {
    throw new BusError('invalid-payload', `${definition.type} payload does not match its schema (${issues(parsed.error)}); nothing was published`);
  }
  const eventId = options?.eventId ?? randomUUID();
  if (!EventId.safeParse(eventId).success) {
    throw new BusError('invalid-argument', `options.eventId must be a UUID, got '${eventId}'`);
  }
  const correlationId = options?.correlationId ?? currentCorrelationId() ?? randomUUID();
  if (!CorrelationId.safeParse(correlationId).success) {
    throw new BusError('invalid-argument', `options.correlationId must be a token of letters, digits, '.', '_', ':' and '-' (1-128 characters), got '${correlationId}'`);
  }
  const envelope = {
    eventId,
    type: definition.type,
    eventVersion: definition.version,
    correlationId,
    occurredAt: new Date().toISOString(),
    producer,
    payload: parsed.data,
  } as unknown as Envelope<D['type'], PayloadOf<D>>;
  const value = utf8.encode(JSON.stringify(envelope));
  if (value.byteLength > MAX_EVENT_BYTES) {
    throw new BusError('oversized', `${definition.type} encodes to ${value.byteLength} bytes; the limit is ${MAX_EVENT_BYTES}. Put large data in the blob store and publish a BlobRef (claim check)`);
  }
  return {
    envelope,
    key: definition.keyOf(parsed.data),
    value,
    headers: { [BUS_HEADERS.eventType]: definition.type, [BUS_HEADERS.correlationId]: correlationId },
  };
}
