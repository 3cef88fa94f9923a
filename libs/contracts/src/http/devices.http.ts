/** What devices send and receive over HTTPS: enrolment, check-in, and the update upload. */
import { z } from 'zod';
import { ClientId, ModelVersion, PlanId, RoundId, UserId } from '../ids';
import { AggregationKind, RoundMechanism } from '../events/round.events';
import { DeviceCapabilities } from '../events/client.events';

/** A 32-byte Ed25519 public key in standard base64 (44 characters, one `=` of padding). */
export const IdentityKey = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a 32-byte Ed25519 public key in base64');

export const RegisterDeviceRequest = z
  .object({
    userId: UserId,
    capabilities: DeviceCapabilities,
    trainingConsent: z.boolean(),
    /** The device's Ed25519 identity public key, base64 (32 bytes): it signs the device's SecAgg+ key adverts. */
    identityKey: IdentityKey,
  })
  .strict();
export type RegisterDeviceRequest = z.infer<typeof RegisterDeviceRequest>;

export const RegisterDeviceResponse = z.object({ clientId: ClientId });
export type RegisterDeviceResponse = z.infer<typeof RegisterDeviceResponse>;

export const CheckInRequest = z.object({ clientId: ClientId, planId: PlanId.optional() }).strict();
export type CheckInRequest = z.infer<typeof CheckInRequest>;

/** A device's task for one round; absent (204) when the device was not sampled. */
export const TrainingTask = z.object({
  roundId: RoundId,
  planId: PlanId,
  baseModelVersion: ModelVersion,
  /** Path on model-registry to fetch the weights from. */
  modelPath: z.string(),
  /** Path on secure-aggregator of the round's SecAgg+ session (`/v1/rounds/{roundId}/secagg`). */
  uploadPath: z.string(),
  mechanism: RoundMechanism,
  localLearningRate: z.number().positive(),
  aggregation: AggregationKind,
  uploadDeadline: z.iso.datetime({ offset: true }),
});
export type TrainingTask = z.infer<typeof TrainingTask>;

/** Header naming the sending device on binary uploads (`application/octet-stream` bodies). */
export const CLIENT_ID_HEADER = 'x-cohort-client-id';
