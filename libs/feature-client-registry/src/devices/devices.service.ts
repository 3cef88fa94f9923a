/**
 * Device enrolment. A device registers once with its user, capabilities, training consent and
 * identity key; the registry stores it and emits ClientRegistered, from which the scheduler
 * builds its eligibility pool. The stored record and the event are written so that a crash
 * between them is repaired by re-registration: the event is published before the 201 answer.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { ClientId, ClientRegistered, type PayloadOf, type RegisterDeviceRequest } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';
import { ClientRegistryError, ClientRegistryErrorCode } from './client-registry.error';

export type DeviceRecord = PayloadOf<typeof ClientRegistered>;

const DEVICES_KEY = 'client-registry:devices';

@Injectable()
export class DevicesService {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore,
  ) {}

  async register(request: RegisterDeviceRequest): Promise<DeviceRecord> {
    const record: DeviceRecord = {
      clientId: ClientId.parse(`c-${randomUUID()}`),
      userId: request.userId,
      capabilities: request.capabilities,
      trainingConsent: request.trainingConsent,
      identityKey: request.identityKey,
      registeredAt: new Date().toISOString(),
    };
    await this.store.commit([{ op: 'hashSet', key: DEVICES_KEY, field: record.clientId, value: JSON.stringify(record) }]);
    await this.bus.publish(ClientRegistered, record);
    return record;
  }

  async get(clientId: ClientId): Promise<DeviceRecord> {
    const raw = await this.store.hashGet(DEVICES_KEY, clientId);
    if (raw === null) throw new ClientRegistryError(ClientRegistryErrorCode.DeviceNotFound, `device ${clientId} is not registered`);
    return JSON.parse(raw) as DeviceRecord;
  }
}
