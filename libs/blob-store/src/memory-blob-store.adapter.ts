/**
 * In-process `BlobStore` for standalone mode and unit tests, with the file-system adapter's
 * semantics (the shared contract suite runs against both): content-addressed by SHA-256, `get`
 * verifies length and digest, and the content type lives in the ref only.
 *
 * Invariant: the stored bytes cannot change behind the store's back through the caller's arrays —
 * `put` keeps a copy and `get` hands out a copy. (So a blob costs its size once more per `get`
 * result held; fine for standalone mode.) A `blobs` map passed in is the one deliberate way to
 * reach the stored bytes: tests use it to corrupt a blob, and two stores can share content.
 */
import type { BlobRef } from '@cohort/contracts';
import { BlobStoreError } from './blob-store.error';
import type { BlobStore } from './blob-store.port';
import { blobUriOf, checkPutArguments, checkRef, sha256Hex } from './blob-ref.validation';

export interface MemoryBlobStoreOptions {
  /** Backing map from SHA-256 hex to bytes; a fresh one by default. */
  readonly blobs?: Map<string, Uint8Array>;
}

export class MemoryBlobStore implements BlobStore {
  private readonly blobs: Map<string, Uint8Array>;

  constructor(options: MemoryBlobStoreOptions = {}) {
    this.blobs = options.blobs ?? new Map();
  }

  async put(bytes: Uint8Array, contentType: string): Promise<BlobRef> {
    checkPutArguments(bytes, contentType);
    const sha256 = sha256Hex(bytes);
    const stored = this.blobs.get(sha256);
    if (stored === undefined || stored.byteLength !== bytes.byteLength || sha256Hex(stored) !== sha256) {
      this.blobs.set(sha256, bytes.slice());
    }
    return { uri: blobUriOf(sha256), byteLength: bytes.byteLength, sha256, contentType };
  }

  async get(ref: BlobRef): Promise<Uint8Array> {
    const { sha256, byteLength } = checkRef(ref);
    const stored = this.blobs.get(sha256);
    if (stored === undefined) throw new BlobStoreError('not-found', `no blob ${sha256} is stored in this MemoryBlobStore`);
    if (stored.byteLength !== byteLength) {
      throw new BlobStoreError(
        'integrity',
        `blob ${sha256} has ${stored.byteLength} bytes but the ref says ${byteLength}: the ref is wrong or the blob is corrupt`,
      );
    }
    const actual = sha256Hex(stored);
    if (actual !== sha256) {
      throw new BlobStoreError('integrity', `stored blob does not hash to ${sha256} (got ${actual}): it is corrupt`);
    }
    return stored.slice();
  }

  async has(ref: BlobRef): Promise<boolean> {
    const { sha256, byteLength } = checkRef(ref);
    return this.blobs.get(sha256)?.byteLength === byteLength;
  }
}
