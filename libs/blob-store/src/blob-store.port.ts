/**
 * Claim-check port: large payloads are written here and events carry the `BlobRef`.
 * Content-addressed by SHA-256: the same bytes always get the same ref, writes are atomic (a
 * reader never sees a partial blob), and every read verifies length and digest.
 * URIs are `blob://sha256/<hex>` (see blob-ref.validation.ts); the content type lives in the ref
 * only. Every failure is a `BlobStoreError` with a code (see blob-store.error.ts).
 */
import type { BlobRef } from '@cohort/contracts';

export interface BlobStore {
  /**
   * Stores the bytes (idempotent: putting the same bytes again returns the same ref, with the
   * given content type, and repairs a stored copy that no longer matches its digest).
   * The caller may reuse `bytes` once the promise settles.
   */
  put(bytes: Uint8Array, contentType: string): Promise<BlobRef>;
  /**
   * The bytes, verified against the ref's length and digest, in a fresh array the caller owns.
   * Throws BlobStoreError('not-found' | 'integrity' | 'invalid-ref') rather than return wrong bytes.
   */
  get(ref: BlobRef): Promise<Uint8Array>;
  /**
   * Whether a blob with the ref's digest and byte length is stored (cheap: the content is not
   * hashed, so `get` may still find it corrupt). Throws 'invalid-ref' for a malformed ref.
   */
  has(ref: BlobRef): Promise<boolean>;
}

export const BLOB_STORE = Symbol.for('cohort.BlobStore');
