/**
 * Hot state port (Redis in distributed mode, memory in standalone mode and unit tests): small
 * typed operations on string keys, plus an atomic batch so a consumer can apply its side effect
 * and mark the event as applied in one step (nothing applied twice after a crash).
 * All keys are namespaced by the adapter's prefix; values are strings (JSON where structured).
 *
 * Semantics both adapters share (the contract suite in `testing/` checks each line):
 * - A key holds one kind of value: string, hash, set or list. Using it as another kind rejects
 *   with `KeyValueStoreError('wrong-type')`, reads included; `set` and `delete` work on any kind.
 * - A hash, set or list whose last field/member/value is removed no longer exists.
 * - Only `set` and `incrWithTtl` give a TTL; `set` without one clears any TTL; `incr` keeps it.
 * - Counters (`incr`, `incrWithTtl`, `hashIncrBy`) are exact integers within ±Number.MAX_SAFE_INTEGER, written
 *   as Redis writes integers ("-12"); anything else rejects with `not-an-integer`.
 * - Every failure is a `KeyValueStoreError` with a code (see key-value-store.error.ts).
 */
export type WriteOp =
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly ttlMs?: number }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'hashSet'; readonly key: string; readonly field: string; readonly value: string }
  | { readonly op: 'hashDelete'; readonly key: string; readonly field: string }
  | { readonly op: 'hashIncrBy'; readonly key: string; readonly field: string; readonly by: number }
  | { readonly op: 'setAdd'; readonly key: string; readonly members: readonly string[] }
  | { readonly op: 'setRemove'; readonly key: string; readonly members: readonly string[] }
  /** Appends at the tail: `listRange(key, 0, -1)` returns values in push order. */
  | { readonly op: 'listPush'; readonly key: string; readonly values: readonly string[] };

export interface CommitOptions {
  /** Idempotency marker: apply the batch only when this key does not exist, and set it to "1". */
  readonly unlessExists?: string;
  /** TTL of the marker (only with `unlessExists`); without it the marker is kept forever. */
  readonly markerTtlMs?: number;
}

export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  /** Sets the value; with `ifAbsent`, only when the key does not exist. Returns whether it wrote. */
  set(key: string, value: string, options?: { ttlMs?: number; ifAbsent?: boolean }): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Adds one to the counter at `key` (absent counts as 0) and returns the new value. */
  incr(key: string): Promise<number>;
  /**
   * Adds one like `incr`, in one atomic step with its expiry: a counter without a TTL (a new one,
   * or one written by `set` without a TTL) gets `ttlMs`; one that has a TTL keeps it. Returns the
   * new value and the milliseconds left before the counter expires. A fixed-window rate limit:
   * "at most N per window" is `value <= N`, and `ttlMs` is when the caller may try again.
   */
  incrWithTtl(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }>;
  hashGet(key: string, field: string): Promise<string | null>;
  /** The values of `fields`, in order, null where absent: one round trip for many fields. */
  hashGetMany(key: string, fields: readonly string[]): Promise<(string | null)[]>;
  /** All fields of the hash, `{}` when the key does not exist. */
  hashGetAll(key: string): Promise<Record<string, string>>;
  /** Members in no particular order. */
  setMembers(key: string): Promise<string[]>;
  setIsMember(key: string, member: string): Promise<boolean>;
  setSize(key: string): Promise<number>;
  /** Inclusive range, negative indices from the end (Redis LRANGE semantics). */
  listRange(key: string, start: number, stop: number): Promise<string[]>;
  listLength(key: string): Promise<number>;
  /**
   * Applies every op or none. With `unlessExists`, the batch is applied only when that key does
   * not exist yet, and the key is set (to "1") in the same step; returns false when it existed.
   * A batch that cannot be applied as a whole (an op on a key of the wrong type, a counter that is
   * not an integer — judged against the state the earlier ops of the batch leave) rejects with
   * that error, writes nothing and does not set the marker, so it may be retried. Other clients
   * never observe a partly applied batch.
   */
  commit(ops: readonly WriteOp[], options?: CommitOptions): Promise<boolean>;
  /** Whether the backend answers now; never throws (health checks). */
  ping(): Promise<boolean>;
  /** Releases the connection; idempotent. Later calls reject with `closed`. */
  close(): Promise<void>;
}

export const KEY_VALUE_STORE = Symbol.for('cohort.KeyValueStore');
