/**
 * Branded identifiers. A `RoundId` cannot be passed where a `ClientId` is expected, even though
 * both are strings on the wire: the brand exists only in the type system and costs nothing at
 * run time. Every id is a short, printable token so it is safe as a Kafka key and a Redis key part.
 */
import { z } from 'zod';

const token = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(128, `${what} must be at most 128 characters`)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, `${what} may contain only letters, digits, '.', '_', ':' and '-'`);

export const RoundId = token('roundId').brand<'RoundId'>();
export type RoundId = z.infer<typeof RoundId>;
export const PlanId = token('planId').brand<'PlanId'>();
export type PlanId = z.infer<typeof PlanId>;
export const ClientId = token('clientId').brand<'ClientId'>();
export type ClientId = z.infer<typeof ClientId>;
export const UserId = token('userId').brand<'UserId'>();
export type UserId = z.infer<typeof UserId>;
export const ItemId = token('itemId').brand<'ItemId'>();
export type ItemId = z.infer<typeof ItemId>;
export const ModelVersion = token('modelVersion').brand<'ModelVersion'>();
export type ModelVersion = z.infer<typeof ModelVersion>;
export const EventId = z.uuid().brand<'EventId'>();
export type EventId = z.infer<typeof EventId>;
export const CorrelationId = token('correlationId').brand<'CorrelationId'>();
export type CorrelationId = z.infer<typeof CorrelationId>;
