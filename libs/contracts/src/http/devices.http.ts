/**
 * What devices send and receive over HTTPS: attested enrolment, capability reports and consent,
 * check-in, and the update upload.
 */
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
    /**
     * A JWT from an attestation issuer client-registry trusts, saying which app instance or
     * hardware (`sub`) asks and binding it to `identityKey` (`cnf.jkt`, its RFC 7638 thumbprint).
     * client-registry refuses an enrolment without a valid one (401); the schema leaves it
     * optional, and any string, so that a missing or malformed token is answered as an
     * authentication failure (401) rather than as invalid input.
     */
    attestationToken: z.string().max(8192).optional(),
  })
  .strict();
export type RegisterDeviceRequest = z.infer<typeof RegisterDeviceRequest>;

export const RegisterDeviceResponse = z.object({ clientId: ClientId });
export type RegisterDeviceResponse = z.infer<typeof RegisterDeviceResponse>;

/** `PATCH /v1/devices/{clientId}/capabilities`: what changed; the rest of the profile stays. */
export const UpdateCapabilitiesRequest = DeviceCapabilities.partial()
  .strict()
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), 'name at least one capability');
export type UpdateCapabilitiesRequest = z.infer<typeof UpdateCapabilitiesRequest>;

/** `POST /v1/devices/{clientId}/consent`. */
export const RecordConsentRequest = z.object({ trainingConsent: z.boolean() }).strict();
export type RecordConsentRequest = z.infer<typeof RecordConsentRequest>;

/** One consent decision of a device: at enrolment, then each time the device states it. */
export const ConsentDecision = z.object({
  trainingConsent: z.boolean(),
  at: z.iso.datetime({ offset: true }),
  source: z.enum(['enrolment', 'device']),
  /** 0 for the enrolment, then the device's change sequence (`DeviceSequence`). */
  sequence: z.number().int().min(0),
});
export type ConsentDecision = z.infer<typeof ConsentDecision>;

/** `GET /v1/devices/{clientId}`: the device as enrolled, its current state, and its consent history. */
export const DeviceView = z.object({
  clientId: ClientId,
  userId: UserId,
  /** The current profile: the one reported last, or the enrolment's. */
  capabilities: DeviceCapabilities,
  capabilitiesReportedAt: z.iso.datetime({ offset: true }),
  /** The current consent: the last decision of `consentHistory`. */
  trainingConsent: z.boolean(),
  identityKey: z.string().max(256).nullable(),
  registeredAt: z.iso.datetime({ offset: true }),
  /** Which issuer attested the enrolment (null for devices enrolled before attestation). */
  attestation: z.object({ issuer: z.string(), verifiedAt: z.iso.datetime({ offset: true }) }).nullable(),
  /** Every decision, oldest first. */
  consentHistory: z.array(ConsentDecision),
});
export type DeviceView = z.infer<typeof DeviceView>;

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
