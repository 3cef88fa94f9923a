/**
 * The enrolment limit on a real Redis (COHORT_REDIS_URL, default redis://127.0.0.1:6379), shared
 * by three registry replicas: 30 concurrent enrolments of one attested subject admit exactly the
 * limit, a second subject has its own count, and the window ends on the server's clock.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisKeyValueStore } from '@cohort/state';
import { ClientRegistryError, ClientRegistryErrorCode } from './client-registry.error';
import { EnrolmentRateLimiter } from './enrolment-rate.limiter';

const url = process.env['COHORT_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const keyPrefix = `cohort-test:client-registry:${randomBytes(6).toString('hex')}:`;
const stores: RedisKeyValueStore[] = [];

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  const admin = new Redis(url);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

async function replica(limit: { maxPerSubject: number; windowMs: number }): Promise<EnrolmentRateLimiter> {
  const store = new RedisKeyValueStore({ url, keyPrefix });
  await store.connect();
  stores.push(store);
  return new EnrolmentRateLimiter(store, limit);
}

const outcome = (admission: Promise<void>) =>
  admission.then(
    () => 'admitted',
    (error: unknown) => {
      expect(error).toBeInstanceOf(ClientRegistryError);
      expect((error as ClientRegistryError).code).toBe(ClientRegistryErrorCode.EnrolmentRateLimited);
      return (error as ClientRegistryError).retryAfterMs;
    },
  );

describe('EnrolmentRateLimiter on Redis', () => {
  it('admits exactly the limit across replicas, per subject, until the window ends', async () => {
    const limit = { maxPerSubject: 5, windowMs: 1_500 };
    const replicas = await Promise.all([replica(limit), replica(limit), replica(limit)]);
    const subject = { issuer: 'attest.test', subject: `hw-${randomBytes(4).toString('hex')}` };
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => outcome(replicas[i % 3]!.admit(subject))));
    expect(results.filter((r) => r === 'admitted')).toHaveLength(5);
    for (const retryAfter of results.filter((r) => r !== 'admitted')) {
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(1_500);
    }
    await expect(replicas[0]!.admit({ ...subject, subject: `${subject.subject}-other` })).resolves.toBeUndefined();
    await sleep(1_600);
    await expect(replicas[1]!.admit(subject)).resolves.toBeUndefined();
  });
});
