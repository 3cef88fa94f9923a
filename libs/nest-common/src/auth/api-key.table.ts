/**
 * The table of API keys a service accepts, and the one place a presented key is checked.
 *
 * Invariants:
 * - only SHA-256 digests of keys are held after construction; a key is never logged or returned;
 * - the check hashes the presented key to 32 bytes and compares it with EVERY entry through
 *   `timingSafeEqual`, without early exit, so neither the length of the presented key nor which
 *   entry it matches changes the work done (the number of entries is not a secret);
 * - a principal is identified by `keyId`, the first 8 hex digits of the key's SHA-256: enough
 *   to tell keys apart in logs and audit trails, useless to recover the key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CohortRole } from './cohort-role.constants';

/** Who is calling: set on the request by the ApiKeyGuard, read with `@Principal()`. */
export interface Principal {
  readonly keyId: string;
  readonly roles: readonly CohortRole[];
}

export interface ApiKeyEntry {
  readonly key: string;
  readonly roles: readonly CohortRole[];
}

interface StoredEntry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

export type DigestComparator = (a: Buffer, b: Buffer) => boolean;

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** First 8 hex digits of SHA-256(key): safe to log. */
export function keyIdOf(key: string): string {
  return sha256(key).toString('hex').slice(0, 8);
}

export class ApiKeyTable {
  private readonly entries: readonly StoredEntry[];

  /** `compare` is replaceable only so tests can observe the constant-time path. */
  constructor(
    entries: readonly ApiKeyEntry[],
    private readonly compare: DigestComparator = timingSafeEqual,
  ) {
    this.entries = entries.map(({ key, roles }) => ({
      digest: sha256(key),
      principal: Object.freeze({ keyId: keyIdOf(key), roles: Object.freeze([...new Set(roles)]) }),
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal of `presented`, or undefined when no entry matches. */
  authenticate(presented: string): Principal | undefined {
    const digest = sha256(presented);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      // No early exit: every entry costs one comparison whatever matched.
      if (this.compare(digest, entry.digest) && found === undefined) {
        found = entry.principal;
      }
    }
    return found;
  }
}
