/**
 * An event definition ties a past-tense event type to its topic, its payload schema and the
 * function that derives the message key from the payload. One topic carries one event type, so
 * a consumer that subscribes to a topic knows exactly what it decodes.
 */
import type { z } from 'zod';
import type { TopicSpec } from '../topics';

export interface EventDefinition<TType extends string = string, TSchema extends z.ZodType = z.ZodType> {
  readonly type: TType;
  readonly version: number;
  readonly topic: TopicSpec;
  readonly payload: TSchema;
  readonly keyOf: (payload: z.infer<TSchema>) => string;
}

export function defineEvent<TType extends string, TSchema extends z.ZodType>(
  definition: EventDefinition<TType, TSchema>,
): EventDefinition<TType, TSchema> {
  return Object.freeze(definition);
}

export type PayloadOf<D> = D extends EventDefinition<string, infer S> ? z.infer<S> : never;
