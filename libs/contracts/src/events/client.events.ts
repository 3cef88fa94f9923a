/** Events of device enrolment, owned by `client-registry`. */
import { z } from 'zod';
import { ClientId, UserId } from '../ids';
import { TOPICS } from '../topics';
import { defineEvent } from './define-event';

export const DeviceCapabilities = z.object({
  accelerator: z.enum(['cpu', 'gpu', 'npu']),
  memoryMb: z.number().int().positive().max(1_048_576),
  batteryPercent: z.number().min(0).max(100).optional(),
  network: z.enum(['wifi', 'cellular', 'ethernet', 'unknown']),
});
export type DeviceCapabilities = z.infer<typeof DeviceCapabilities>;

export const ClientRegistered = defineEvent({
  type: 'ClientRegistered',
  version: 1,
  topic: TOPICS.clientRegistered,
  payload: z.object({
    clientId: ClientId,
    userId: UserId,
    capabilities: DeviceCapabilities,
    trainingConsent: z.boolean(),
    /** The device identity key (Ed25519 public key, base64) that signs its SecAgg key adverts. */
    identityKey: z.string().max(256).nullable(),
    registeredAt: z.iso.datetime({ offset: true }),
  }),
  keyOf: (p) => p.clientId,
});
