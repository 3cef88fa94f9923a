/**
 * Decoding at the edge: bytes from a topic become a typed envelope, or a `ContractViolation`
 * whose `reason` says exactly what was wrong (it ends up in the `.dlq` headers).
 */
import { type z } from 'zod';
import { RawEnvelope, type Envelope } from './envelope';
import type { EventDefinition } from './events/define-event';

/** Messages larger than this are refused before parsing; claim checks keep real events small. */
export const MAX_EVENT_BYTES = 1_048_576;

export type ContractViolationCode = 'oversized' | 'not-json' | 'bad-envelope' | 'unknown-type' | 'unsupported-version' | 'bad-payload';

export class ContractViolation extends Error {
  constructor(
    readonly code: ContractViolationCode,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'ContractViolation';
  }
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

export function decodeEvent<TType extends string, TSchema extends z.ZodType>(
  definition: EventDefinition<TType, TSchema>,
  bytes: Uint8Array | string,
): Envelope<TType, z.infer<TSchema>> {
  const byteLength = typeof bytes === 'string' ? new TextEncoder().encode(bytes).byteLength : bytes.byteLength;
  if (byteLength > MAX_EVENT_BYTES) {
    throw new ContractViolation('oversized', `message is ${byteLength} bytes; the limit is ${MAX_EVENT_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ContractViolation('not-json', `message is not UTF-8 JSON (${(error as Error).message})`);
  }
  const envelope = RawEnvelope.safeParse(json);
  if (!envelope.success) throw new ContractViolation('bad-envelope', describe(envelope.error));
  if (envelope.data.type !== definition.type) {
    throw new ContractViolation('unknown-type', `type '${envelope.data.type}' does not belong on ${definition.topic.name} (expects '${definition.type}')`);
  }
  if (envelope.data.eventVersion !== definition.version) {
    throw new ContractViolation('unsupported-version', `${definition.type} v${envelope.data.eventVersion} is not understood (expects v${definition.version})`);
  }
  const payload = definition.payload.safeParse(envelope.data.payload);
  if (!payload.success) throw new ContractViolation('bad-payload', describe(payload.error));
  return { ...envelope.data, type: definition.type, payload: payload.data } as Envelope<TType, z.infer<TSchema>>;
}
