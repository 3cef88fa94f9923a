/**
 * Where client-registry keeps devices in the key-value store:
 *   client-registry:devices              hash  clientId → the enrolment (ClientRegistered payload + attestation)
 *   client-registry:consent:<clientId>   list  the consent decisions, in the order they were written
 *   client-registry:capabilities         hash  clientId → the last reported profile
 *   client-registry:sequence:<clientId>  counter numbering the device's changes (DeviceSequence)
 * The enrolment and its first consent decision are written in one batch; later decisions are
 * appended, never rewritten, so the history an operator reads is the one devices stated.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { ClientId, ConsentDecision, DeviceCapabilities, PayloadOf, ClientRegistered } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';

export type DeviceRecord = PayloadOf<typeof ClientRegistered>;

/** The enrolment as stored: what ClientRegistered announced, and who attested it. */
export interface StoredDevice extends DeviceRecord {
  /** Absent for devices enrolled before enrolment required attestation. */
  readonly attestation?: { readonly issuer: string; readonly verifiedAt: string };
}

export interface ReportedCapabilities {
  readonly capabilities: DeviceCapabilities;
  readonly reportedAt: string;
  readonly sequence: number;
}

const DEVICES = 'client-registry:devices';
const CAPABILITIES = 'client-registry:capabilities';
const consentKey = (clientId: ClientId) => `client-registry:consent:${clientId}`;
const sequenceKey = (clientId: ClientId) => `client-registry:sequence:${clientId}`;

@Injectable()
export class DeviceRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  async enrol(device: StoredDevice, consent: ConsentDecision): Promise<void> {
    await this.store.commit([
      { op: 'hashSet', key: DEVICES, field: device.clientId, value: JSON.stringify(device) },
      { op: 'listPush', key: consentKey(device.clientId), values: [JSON.stringify(consent)] },
    ]);
  }

  async find(clientId: ClientId): Promise<StoredDevice | null> {
    const raw = await this.store.hashGet(DEVICES, clientId);
    return raw === null ? null : (JSON.parse(raw) as StoredDevice);
  }

  /** The next number of the device's changes: 1, 2, ... (the enrolment is 0). */
  nextSequence(clientId: ClientId): Promise<number> {
    return this.store.incr(sequenceKey(clientId));
  }

  async appendConsent(clientId: ClientId, decision: ConsentDecision): Promise<void> {
    await this.store.commit([{ op: 'listPush', key: consentKey(clientId), values: [JSON.stringify(decision)] }]);
  }

  /** Oldest first by sequence (two concurrent decisions may have been appended out of order). */
  async consentHistory(clientId: ClientId): Promise<ConsentDecision[]> {
    const raw = await this.store.listRange(consentKey(clientId), 0, -1);
    return raw.map((entry) => JSON.parse(entry) as ConsentDecision).sort((a, b) => a.sequence - b.sequence);
  }

  async reportedCapabilities(clientId: ClientId): Promise<ReportedCapabilities | null> {
    const raw = await this.store.hashGet(CAPABILITIES, clientId);
    return raw === null ? null : (JSON.parse(raw) as ReportedCapabilities);
  }

  async saveCapabilities(clientId: ClientId, report: ReportedCapabilities): Promise<void> {
    await this.store.commit([{ op: 'hashSet', key: CAPABILITIES, field: clientId, value: JSON.stringify(report) }]);
  }
}
