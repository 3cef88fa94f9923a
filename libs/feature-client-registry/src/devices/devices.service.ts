/**
 * Device enrolment and the device's later reports. A device enrols once with its user,
 * capabilities, training consent, identity key and an attestation token; the registry checks the
 * token (attestation.verifier.ts), counts the enrolment against the attested subject's limit
 * (enrolment-rate.limiter.ts), stores the device and emits ClientRegistered, from which the
 * scheduler builds its eligibility pool. Later the device reports its capabilities
 * (ClientCapabilitiesUpdated) and gives or withdraws consent (ClientConsentChanged); each change
 * gets the device's next sequence number, so consumers apply them in order whatever the topic.
 *
 * Each write is stored before its event is published, and the event before the answer: a crash
 * between them is repaired by the device sending again (a new enrolment, or the same decision
 * with a new number), never by an event for something that was not stored.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import {
  ClientCapabilitiesUpdated, ClientConsentChanged, ClientId, ClientRegistered,
  type ConsentDecision, type DeviceCapabilities, type DeviceView, type RegisterDeviceRequest, type UpdateCapabilitiesRequest,
} from '@cohort/contracts';
import { AttestationVerifier } from '../attestation/attestation.verifier';
import { CLIENT_REGISTRY_OPTIONS, type ClientRegistryOptions } from '../client-registry.options';
import { ClientRegistryError, ClientRegistryErrorCode } from './client-registry.error';
import { DeviceRepository, type DeviceRecord, type StoredDevice } from './device.repository';
import { EnrolmentRateLimiter } from './enrolment-rate.limiter';

export type { DeviceRecord } from './device.repository';

@Injectable()
export class DevicesService {
  private readonly clock: () => number;

  constructor(
    @Inject(CLIENT_REGISTRY_OPTIONS) options: ClientRegistryOptions,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(DeviceRepository) private readonly devices: DeviceRepository,
    @Inject(AttestationVerifier) private readonly verifier: AttestationVerifier,
    @Inject(EnrolmentRateLimiter) private readonly limiter: EnrolmentRateLimiter,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  async register(request: RegisterDeviceRequest): Promise<DeviceRecord> {
    const attestation = await this.verifier.verify(request.attestationToken, request.identityKey);
    await this.limiter.admit(attestation);
    const registeredAt = this.now();
    const record: DeviceRecord = {
      clientId: ClientId.parse(`c-${randomUUID()}`),
      userId: request.userId,
      capabilities: request.capabilities,
      trainingConsent: request.trainingConsent,
      identityKey: request.identityKey,
      registeredAt,
    };
    const stored: StoredDevice = { ...record, attestation: { issuer: attestation.issuer, verifiedAt: registeredAt } };
    await this.devices.enrol(stored, { trainingConsent: request.trainingConsent, at: registeredAt, source: 'enrolment', sequence: 0 });
    await this.bus.publish(ClientRegistered, record);
    return record;
  }

  async view(clientId: ClientId): Promise<DeviceView> {
    const device = await this.device(clientId);
    const [reported, consentHistory] = await Promise.all([this.devices.reportedCapabilities(clientId), this.devices.consentHistory(clientId)]);
    return {
      clientId: device.clientId,
      userId: device.userId,
      capabilities: reported?.capabilities ?? device.capabilities,
      capabilitiesReportedAt: reported?.reportedAt ?? device.registeredAt,
      trainingConsent: consentHistory.at(-1)?.trainingConsent ?? device.trainingConsent,
      identityKey: device.identityKey,
      registeredAt: device.registeredAt,
      attestation: device.attestation ?? null,
      consentHistory,
    };
  }

  /** Merges the reported fields into the current profile and announces the whole profile. */
  async updateCapabilities(clientId: ClientId, patch: UpdateCapabilitiesRequest): Promise<DeviceView> {
    const device = await this.device(clientId);
    const current = (await this.devices.reportedCapabilities(clientId))?.capabilities ?? device.capabilities;
    const reported = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<DeviceCapabilities>;
    const capabilities: DeviceCapabilities = { ...current, ...reported };
    const sequence = await this.devices.nextSequence(clientId);
    const reportedAt = this.now();
    await this.devices.saveCapabilities(clientId, { capabilities, reportedAt, sequence });
    await this.bus.publish(ClientCapabilitiesUpdated, { clientId, userId: device.userId, capabilities, sequence, reportedAt });
    return this.view(clientId);
  }

  /** Records the device's decision in its history and announces it; a withdrawal leaves the pool at once. */
  async recordConsent(clientId: ClientId, trainingConsent: boolean): Promise<DeviceView> {
    const device = await this.device(clientId);
    const sequence = await this.devices.nextSequence(clientId);
    const decision: ConsentDecision = { trainingConsent, at: this.now(), source: 'device', sequence };
    await this.devices.appendConsent(clientId, decision);
    await this.bus.publish(ClientConsentChanged, { clientId, userId: device.userId, trainingConsent, sequence, changedAt: decision.at });
    return this.view(clientId);
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  private async device(clientId: ClientId): Promise<StoredDevice> {
    const device = await this.devices.find(clientId);
    if (device === null) throw new ClientRegistryError(ClientRegistryErrorCode.DeviceNotFound, `device ${clientId} is not registered`);
    return device;
  }
}
