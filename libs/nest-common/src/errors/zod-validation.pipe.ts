/**
 * Decoding at the edge: request bodies, queries and params go through a zod schema before a
 * handler sees them.
 *
 * Invariant: a value that fails its schema never reaches the handler; the caller gets a 400
 * problem+json (code `validation-failed`) whose `errors[].field` is the dotted path of each bad
 * field (`context.recentItemIds.0`) and whose detail names the fields too.
 */
import { Body, type ArgumentMetadata, Injectable, type PipeTransform, Query } from '@nestjs/common';
import type { z } from 'zod';
import type { FieldError } from './domain.error';
import { RequestError, RequestErrorCode } from './request.error';

/** How many field problems the detail line spells out (all of them are in `errors`). */
const DETAIL_FIELDS = 5;

/**
 * Parses `value` with `schema` or throws the 400 RequestError. `source` names what is being
 * parsed: it is the field name when the whole value is wrong and appears in the detail.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, source = 'value'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data;
  }
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.length === 0 ? source : issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const listed = errors.slice(0, DETAIL_FIELDS).map(({ field, message }) => `${field}: ${message}`);
  const more = errors.length > DETAIL_FIELDS ? ` (and ${errors.length - DETAIL_FIELDS} more)` : '';
  throw new RequestError(RequestErrorCode.ValidationFailed, `Invalid ${source}: ${listed.join('; ')}${more}`, { errors });
}

/** `@Body(new ZodValidationPipe(Schema))`, `@Param('id', new ZodValidationPipe(Id))`. */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType = z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    return parseWith(this.schema, value, sourceOf(metadata));
  }
}

/** `@ZodBody(Schema) body: Schema` — the request body, decoded. */
export const ZodBody = (schema: z.ZodType): ParameterDecorator => Body(new ZodValidationPipe(schema));

/** `@ZodQuery(Schema) query: Schema` — the query string, decoded. */
export const ZodQuery = (schema: z.ZodType): ParameterDecorator => Query(new ZodValidationPipe(schema));

function sourceOf(metadata: ArgumentMetadata): string {
  return metadata.data ?? (metadata.type === 'custom' ? 'value' : metadata.type);
}
