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
  /** On external power now. Absent (older devices): not charging — see `resolvedCapabilities`. */
  charging: z.boolean().optional(),
  /** On a network that does not bill by volume now. Absent: true on wifi or ethernet only. */
  unmeteredNetwork: z.boolean().optional(),
});
export type DeviceCapabilities = z.infer<typeof DeviceCapabilities>;

/** A capability profile with the optional flags settled: what a scheduler filters on. */
export type ResolvedCapabilities = DeviceCapabilities & { readonly charging: boolean; readonly unmeteredNetwork: boolean };

/**
 * The defaults of the optional capability flags, in one place for every reader: a device that
 * does not say it is charging is taken as not charging, and one that does not say whether its
 * network is metered is taken as unmetered exactly when that network is wifi or ethernet.
 */
export function resolvedCapabilities(capabilities: DeviceCapabilities): ResolvedCapabilities {
  return {
    ...capabilities,
    charging: capabilities.charging ?? false,
    unmeteredNetwork: capabilities.unmeteredNetwork ?? (capabilities.network === 'wifi' || capabilities.network === 'ethernet'),
  };
}

/**
 * Orders a device's later changes (consent, capabilities) after its registration and after one
 * another, across topics: client-registry numbers them per device from 1 (the registration is 0),
 * and a consumer keeps, per device, the change with the highest number it has seen.
 */
export const DeviceSequence = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

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

/** A device reported its current capability profile (the whole profile, after the change). */
export const ClientCapabilitiesUpdated = defineEvent({
  type: 'ClientCapabilitiesUpdated',
  version: 1,
  topic: TOPICS.clientCapabilitiesUpdated,
  payload: z.object({
    clientId: ClientId,
    userId: UserId,
    capabilities: DeviceCapabilities,
    sequence: DeviceSequence,
    reportedAt: z.iso.datetime({ offset: true }),
  }),
  keyOf: (p) => p.clientId,
});

/**
 * A device gave or withdrew training consent. A withdrawal takes the device out of every later
 * round's sampling; the topic is kept forever, as the consent record.
 */
export const ClientConsentChanged = defineEvent({
  type: 'ClientConsentChanged',
  version: 1,
  topic: TOPICS.clientConsentChanged,
  payload: z.object({
    clientId: ClientId,
    userId: UserId,
    trainingConsent: z.boolean(),
    sequence: DeviceSequence,
    changedAt: z.iso.datetime({ offset: true }),
  }),
  keyOf: (p) => p.clientId,
});
