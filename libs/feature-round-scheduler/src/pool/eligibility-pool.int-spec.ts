/**
 * The eligibility pool's compare-and-set on a real Redis (COHORT_REDIS_URL): two scheduler
 * replicas apply one user's registrations and decisions at the same time, in shuffled order, and
 * the pool ends as the sequence numbers say — the withdrawal numbered last holds.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ClientId, UserId, type DeviceCapabilities } from '@cohort/contracts';
import { RedisKeyValueStore } from '@cohort/state';
import { EligibilityPoolRepository } from './eligibility-pool.repository';

const url = process.env['COHORT_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const keyPrefix = `cohort-test:scheduler-pool:${randomBytes(6).toString('hex')}:`;
const stores: RedisKeyValueStore[] = [];
const PHONE: DeviceCapabilities = { accelerator: 'cpu', memoryMb: 4096, network: 'wifi' };

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  const admin = new Redis(url);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

async function replica(): Promise<EligibilityPoolRepository> {
  const store = new RedisKeyValueStore({ url, keyPrefix });
  await store.connect();
  stores.push(store);
  return new EligibilityPoolRepository(store);
}

describe('EligibilityPoolRepository on Redis', () => {
  it('two replicas changing one user at once end where the sequence numbers say', async () => {
    const [one, two] = await Promise.all([replica(), replica()]);
    for (let trial = 0; trial < 10; trial++) {
      const userId = UserId.parse(`user-${trial}`);
      const a = ClientId.parse(`c-${trial}-a`);
      const b = ClientId.parse(`c-${trial}-b`);
      const changes = [
        (pool: EligibilityPoolRepository) => pool.upsert(userId, a, true, { registeredAt: '2030-01-01T00:00:00.000Z', capabilities: PHONE }),
        (pool: EligibilityPoolRepository) => pool.upsert(userId, b, true, { registeredAt: '2030-01-02T00:00:00.000Z', capabilities: PHONE }),
        ...[1, 2, 3, 4].map((sequence) => (pool: EligibilityPoolRepository) => pool.recordConsent(userId, b, sequence % 2 === 1, sequence)), // 4: withdrawn
        (pool: EligibilityPoolRepository) => pool.recordConsent(userId, a, false, 1),
      ];
      const shuffled = changes.map((change) => ({ change, key: Math.random() })).sort((x, y) => x.key - y.key);
      await Promise.all(shuffled.map(({ change }, i) => change(i % 2 === 0 ? one! : two!)));
      expect(await one!.users(), `trial ${trial}`).not.toContain(userId);
      await two!.recordConsent(userId, b, true, 5);
      expect(await one!.devicesOf([userId]), `trial ${trial}`).toEqual(new Map([[userId, b]]));
    }
  });
});
