/**
 * The one exception class of `@cohort/blob-store`: every failure a blob store reports is a
 * `BlobStoreError` with a string code, whichever adapter. Invariant: `get` either returns exactly
 * the bytes the ref names or throws one of these — never other bytes.
 */
export type BlobStoreErrorCode =
  /** No blob with the ref's digest is stored here. */
  | 'not-found'
  /** The stored bytes do not match the ref (length or SHA-256): corrupt or tampered, or a wrong ref. */
  | 'integrity'
  /** The ref is malformed: not a BlobRef, a URI outside the `blob://sha256/` scheme, or a URI and digest that disagree. */
  | 'invalid-ref'
  /** `put` was given something other than bytes and a content type a BlobRef can carry. */
  | 'invalid-argument'
  /** The storage itself failed (permissions, disk full, ...); the message names the path and the system error. */
  | 'io';

export class BlobStoreError extends Error {
  override readonly name = 'BlobStoreError';

  constructor(
    readonly code: BlobStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
