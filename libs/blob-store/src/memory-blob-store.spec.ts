/**
 * Runs the BlobStore contract against MemoryBlobStore (corruption goes through the backing map
 * it is given), plus the factory's memory branch.
 */
import { describe, expect, it } from 'vitest';
import { createBlobStore } from './blob-store.factory';
import { MemoryBlobStore } from './memory-blob-store.adapter';
import { describeBlobStoreContract } from './testing/blob-store-contract';

describeBlobStoreContract('memory', async () => {
  const blobs = new Map<string, Uint8Array>();
  return {
    store: new MemoryBlobStore({ blobs }),
    overwriteStored: async (ref, bytes) => void blobs.set(ref.sha256, bytes.slice()),
  };
});

describe('MemoryBlobStore', () => {
  it('two stores over one map share content', async () => {
    const blobs = new Map<string, Uint8Array>();
    const ref = await new MemoryBlobStore({ blobs }).put(new Uint8Array([1, 2, 3]), 'application/octet-stream');
    expect(await new MemoryBlobStore({ blobs }).get(ref)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('createBlobStore({ kind: "memory" }) gives an empty MemoryBlobStore', () => {
    expect(createBlobStore({ kind: 'memory' })).toBeInstanceOf(MemoryBlobStore);
  });
});
