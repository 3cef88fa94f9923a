/**
 * The Sybil guard of enrolment: at most N enrolments per attested subject (the token's issuer and
 * `sub`: one app instance or piece of hardware) in a fixed window, counted in the key-value store
 * with one atomic `incrWithTtl`, so every registry replica shares the count. The subject is
 * stored only as a SHA-256 digest: hardware ids do not become Redis key names.
 */
import { createHash } from 'node:crypto';
import type { KeyValueStore } from '@cohort/state';
import type { Attestation } from '../attestation/attestation.verifier';
import type { EnrolmentLimit } from '../client-registry.options';
import { ClientRegistryError, ClientRegistryErrorCode } from './client-registry.error';

export class EnrolmentRateLimiter {
  constructor(
    private readonly store: KeyValueStore,
    private readonly limit: EnrolmentLimit,
  ) {
    if (!Number.isSafeInteger(limit.maxPerSubject) || limit.maxPerSubject < 1) throw new RangeError(`maxPerSubject must be a positive integer, got ${limit.maxPerSubject}`);
    if (!Number.isSafeInteger(limit.windowMs) || limit.windowMs < 1) throw new RangeError(`windowMs must be a positive integer, got ${limit.windowMs}`);
  }

  /** Counts one enrolment of the subject; throws EnrolmentRateLimited (with when to retry) past the limit. */
  async admit(attestation: Pick<Attestation, 'issuer' | 'subject'>): Promise<void> {
    const digest = createHash('sha256').update(`${attestation.issuer}\n${attestation.subject}`).digest('hex');
    const { value, ttlMs } = await this.store.incrWithTtl(`client-registry:enrolments:${digest}`, this.limit.windowMs);
    if (value > this.limit.maxPerSubject) {
      throw new ClientRegistryError(
        ClientRegistryErrorCode.EnrolmentRateLimited,
        `This attested device has enrolled ${this.limit.maxPerSubject} times within ${Math.round(this.limit.windowMs / 1000)} s, the most allowed; try again in ${Math.ceil(ttlMs / 1000)} s.`,
        ttlMs,
      );
    }
  }
}
