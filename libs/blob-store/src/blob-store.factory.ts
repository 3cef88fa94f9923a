/**
 * Builds the `BlobStore` a deployment asks for: a directory (standalone mode, development) or
 * memory (tests). The config comes from the app's parsed config; this lib reads no env.
 * An S3-compatible adapter will be a third kind with the same URI scheme.
 */
import type { BlobStore } from './blob-store.port';
import { FileSystemBlobStore } from './file-system-blob-store.adapter';
import { MemoryBlobStore } from './memory-blob-store.adapter';

export type BlobStoreConfig = { readonly kind: 'fs'; readonly root: string } | { readonly kind: 'memory' };

export function createBlobStore(config: BlobStoreConfig): BlobStore {
  switch (config.kind) {
    case 'fs':
      return new FileSystemBlobStore({ root: config.root });
    case 'memory':
      return new MemoryBlobStore();
    default: {
      const unknown: never = config;
      throw new Error(`unknown blob store kind: ${JSON.stringify((unknown as { kind?: unknown }).kind)}`);
    }
  }
}
