/**
 * The envelope every event travels in. The payload schema belongs to the event definition; the
 * envelope is the same for all. Trace context travels in message headers, not in the envelope.
 */
import { z } from 'zod';
import { CorrelationId, EventId } from './ids';

export const EnvelopeHeader = z.object({
  eventId: EventId,
  type: z.string().min(1).max(128),
  eventVersion: z.number().int().positive(),
  correlationId: CorrelationId,
  occurredAt: z.iso.datetime({ offset: true }),
  producer: z.string().min(1).max(128),
});
export type EnvelopeHeader = z.infer<typeof EnvelopeHeader>;

export interface Envelope<TType extends string = string, TPayload = unknown> extends EnvelopeHeader {
  readonly type: TType;
  readonly payload: TPayload;
}

/** Envelope header plus a payload that has not been decoded yet. */
export const RawEnvelope = EnvelopeHeader.extend({ payload: z.unknown() });
export type RawEnvelope = z.infer<typeof RawEnvelope>;
