/** What devices send and receive over HTTPS: enrolment, check-in, and the update upload. */
import { z } from 'zod';
import { ClientId, ModelVersion, PlanId, RoundId, UserId } from '../ids';
import { AggregationKind, RoundMechanism } from '../events/round.events';
import { DeviceCapabilities } from '../events/client.events';

export const RegisterDeviceRequest = z
  .object({
    userId: UserId,
    capabilities: DeviceCapabilities,
    trainingConsent: z.boolean(),
    identityKey: z.string().max(256).optional(),
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
  /** Path on secure-aggregator to send the (clipped) update to. */
  uploadPath: z.string(),
  mechanism: RoundMechanism,
  localLearningRate: z.number().positive(),
  aggregation: AggregationKind,
  uploadDeadline: z.iso.datetime({ offset: true }),
});
export type TrainingTask = z.infer<typeof TrainingTask>;

/** Header naming the sending device on binary uploads (`application/octet-stream` bodies). */
export const CLIENT_ID_HEADER = 'x-cohort-client-id';
