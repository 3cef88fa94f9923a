/**
 * @cohort/blob-store — the claim check. Large payloads (model weights, aggregates) are put here
 * and events carry the returned `BlobRef` (URI, byte length, SHA-256, content type).
 *
 * Guarantees, for every adapter (one contract suite, src/testing/blob-store-contract.ts, checks
 * them): blobs are addressed by the SHA-256 of their bytes (`blob://sha256/<hex>`, a name for the
 * content, not a place); the same bytes always give the same ref; a reader never sees a partly
 * written blob; `get` returns exactly the bytes the ref names or throws `BlobStoreError`
 * ('not-found' | 'integrity' | 'invalid-ref'). Content types are carried by the ref only.
 *
 * Adapters: `FileSystemBlobStore` (`<root>/sha256/<2 hex>/<hex>`, temp file + fsync + rename),
 * `MemoryBlobStore`; `createBlobStore(config)` picks one. Inject with `BLOB_STORE`.
 */
export * from './blob-store.port';
export * from './blob-store.error';
export { BLOB_URI_PREFIX, blobUriOf } from './blob-ref.validation';
export * from './file-system-blob-store.adapter';
export * from './memory-blob-store.adapter';
export * from './blob-store.factory';
