/**
 * The scheduler's view of who may be sampled: one device per consenting user (the user is the
 * unit of privacy, so a user with two phones is still sampled once). Built from ClientRegistered.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { ClientId, UserId } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';

const USERS = 'scheduler:pool:users';
const DEVICE_OF_USER = 'scheduler:pool:device-of-user';

@Injectable()
export class EligibilityPoolRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  async upsert(userId: UserId, clientId: ClientId, consent: boolean): Promise<void> {
    await this.store.commit(
      consent
        ? [
            { op: 'setAdd', key: USERS, members: [userId] },
            { op: 'hashSet', key: DEVICE_OF_USER, field: userId, value: clientId },
          ]
        : [
            { op: 'setRemove', key: USERS, members: [userId] },
            { op: 'hashDelete', key: DEVICE_OF_USER, field: userId },
          ],
    );
  }

  async users(): Promise<UserId[]> {
    return (await this.store.setMembers(USERS)).sort() as UserId[];
  }

  async devicesOf(userIds: readonly UserId[]): Promise<Map<UserId, ClientId>> {
    const all = await this.store.hashGetAll(DEVICE_OF_USER);
    return new Map(userIds.filter((u) => all[u] !== undefined).map((u) => [u, all[u] as ClientId]));
  }
}
