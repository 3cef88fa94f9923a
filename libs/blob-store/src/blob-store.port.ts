/**
 * Claim-check port: large payloads are written here and events carry the `BlobRef`.
 * Content-addressed by SHA-256: the same bytes always get the same ref, writes are atomic (a
 * reader never sees a partial blob), and every read verifies length and digest.
 */
import type { BlobRef } from '@cohort/contracts';

export interface BlobStore {
  put(bytes: Uint8Array, contentType: string): Promise<BlobRef>;
  /** Throws BlobStoreError('not-found' | 'integrity') rather than return wrong bytes. */
  get(ref: BlobRef): Promise<Uint8Array>;
  has(ref: BlobRef): Promise<boolean>;
}

export const BLOB_STORE = Symbol.for('cohort.BlobStore');
