/**
 * The one exception class of `@cohort/state`. Every failure an adapter reports is a
 * `KeyValueStoreError` with a string code, whatever the backend, so callers branch on `code` and
 * never on Redis reply text. Invariant: a rejected `commit` has written nothing (see the port).
 */
export type KeyValueStoreErrorCode =
  /** The server cannot be reached (down, wrong address, connection lost and not back in time). */
  | 'unavailable'
  /** `close()` was called on this store. */
  | 'closed'
  /** The key holds another kind of value (e.g. a hash op on a string key). */
  | 'wrong-type'
  /** A counter (`incr`, `hashIncrBy`) holds a non-integer or would leave the safe-integer range. */
  | 'not-an-integer'
  /** An argument broke the port's rules (empty member list, TTL not a positive integer, ...). */
  | 'invalid-argument'
  /** The backend answered something this adapter did not expect. */
  | 'backend';

export class KeyValueStoreError extends Error {
  override readonly name = 'KeyValueStoreError';

  constructor(
    readonly code: KeyValueStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
