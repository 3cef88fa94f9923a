/**
 * Hot state port (Redis in distributed mode, memory in standalone mode and unit tests): small
 * typed operations on string keys, plus an atomic batch so a consumer can apply its side effect
 * and mark the event as applied in one step (nothing applied twice after a crash).
 * All keys are namespaced by the adapter's prefix; values are strings (JSON where structured).
 */
export type WriteOp =
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly ttlMs?: number }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'hashSet'; readonly key: string; readonly field: string; readonly value: string }
  | { readonly op: 'hashDelete'; readonly key: string; readonly field: string }
  | { readonly op: 'hashIncrBy'; readonly key: string; readonly field: string; readonly by: number }
  | { readonly op: 'setAdd'; readonly key: string; readonly members: readonly string[] }
  | { readonly op: 'setRemove'; readonly key: string; readonly members: readonly string[] }
  | { readonly op: 'listPush'; readonly key: string; readonly values: readonly string[] };

export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  /** Sets the value; with `ifAbsent`, only when the key does not exist. Returns whether it wrote. */
  set(key: string, value: string, options?: { ttlMs?: number; ifAbsent?: boolean }): Promise<boolean>;
  delete(key: string): Promise<void>;
  incr(key: string): Promise<number>;
  hashGet(key: string, field: string): Promise<string | null>;
  hashGetAll(key: string): Promise<Record<string, string>>;
  setMembers(key: string): Promise<string[]>;
  setIsMember(key: string, member: string): Promise<boolean>;
  setSize(key: string): Promise<number>;
  /** Inclusive range, negative indices from the end (Redis LRANGE semantics). */
  listRange(key: string, start: number, stop: number): Promise<string[]>;
  listLength(key: string): Promise<number>;
  /**
   * Applies every op or none. With `unlessExists`, the batch is applied only when that key does
   * not exist yet, and the key is set (to "1") in the same step; returns false when it existed.
   */
  commit(ops: readonly WriteOp[], options?: { unlessExists?: string }): Promise<boolean>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export const KEY_VALUE_STORE = Symbol.for('cohort.KeyValueStore');
