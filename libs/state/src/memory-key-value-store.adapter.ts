/**
 * In-process `KeyValueStore` for standalone mode and unit tests, with the Redis adapter's
 * semantics (the shared contract suite runs against both). TTLs are judged by an injectable
 * clock, so tests move time instead of waiting.
 *
 * Invariant: `commit` is all or nothing. The batch runs against copies of the entries it touches
 * and only a batch that ran through without error replaces them; JavaScript runs it in one
 * synchronous step, so no other caller sees it half done. (Copying makes a batch cost the size of
 * the hashes/sets/lists it touches: fine for standalone mode, not meant for millions of members.)
 */
import { KeyValueStoreError } from './key-value-store.error';
import type { CommitOptions, KeyValueStore, WriteOp } from './key-value-store.port';
import {
  assertCommitArguments,
  assertIndex,
  assertKey,
  assertString,
  assertTtlMs,
  parseCounter,
} from './key-value-store.validation';

type Entry =
  | { readonly kind: 'string'; readonly value: string; readonly expiresAt: number | undefined }
  | { readonly kind: 'hash'; readonly value: Map<string, string> }
  | { readonly kind: 'set'; readonly value: Set<string> }
  | { readonly kind: 'list'; readonly value: string[] };

type Kind = Entry['kind'];
type EntryOf<K extends Kind> = Extract<Entry, { kind: K }>;

export interface MemoryKeyValueStoreOptions {
  /** Milliseconds since the epoch; defaults to `Date.now`. A key set with `ttlMs` at time t is gone from t + ttlMs. */
  readonly clock?: () => number;
}

/** Where a batch reads and writes entries: the live map, or the copies of a commit. */
interface EntryAccess {
  read(key: string): Entry | undefined;
  write(key: string, entry: Entry | undefined): void;
}

export class MemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: () => number;
  private closed = false;

  private readonly live: EntryAccess = {
    read: (key) => this.readLive(key),
    write: (key, entry) => {
      if (entry === undefined) this.entries.delete(key);
      else this.entries.set(key, entry);
    },
  };

  constructor(options: MemoryKeyValueStoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
  }

  async get(key: string): Promise<string | null> {
    this.assertOpen();
    assertKey(key);
    return this.typed(this.live, key, 'string')?.value ?? null;
  }

  async set(key: string, value: string, options: { ttlMs?: number; ifAbsent?: boolean } = {}): Promise<boolean> {
    this.assertOpen();
    assertKey(key);
    assertString(value, 'value');
    if (options.ttlMs !== undefined) assertTtlMs(options.ttlMs);
    if (options.ifAbsent && this.readLive(key) !== undefined) return false;
    this.apply(this.live, { op: 'set', key, value, ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }) });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    assertKey(key);
    this.entries.delete(key);
  }

  async incr(key: string): Promise<number> {
    this.assertOpen();
    assertKey(key);
    const entry = this.typed(this.live, key, 'string');
    const next = increment(entry?.value, 1, `the value at ${JSON.stringify(key)}`);
    this.entries.set(key, { kind: 'string', value: String(next), expiresAt: entry?.expiresAt });
    return next;
  }

  async incrWithTtl(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }> {
    this.assertOpen();
    assertKey(key);
    assertTtlMs(ttlMs);
    const entry = this.typed(this.live, key, 'string');
    const next = increment(entry?.value, 1, `the value at ${JSON.stringify(key)}`);
    const expiresAt = entry?.expiresAt ?? this.clock() + ttlMs;
    this.entries.set(key, { kind: 'string', value: String(next), expiresAt });
    return { value: next, ttlMs: expiresAt - this.clock() };
  }

  async hashGet(key: string, field: string): Promise<string | null> {
    this.assertOpen();
    assertKey(key);
    assertString(field, 'field');
    return this.typed(this.live, key, 'hash')?.value.get(field) ?? null;
  }

  async hashGetMany(key: string, fields: readonly string[]): Promise<(string | null)[]> {
    this.assertOpen();
    assertKey(key);
    for (const field of fields) assertString(field, 'field');
    const hash = this.typed(this.live, key, 'hash')?.value;
    return fields.map((field) => hash?.get(field) ?? null);
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    this.assertOpen();
    assertKey(key);
    // Null prototype, like ioredis: a field named "__proto__" is an ordinary field.
    const all: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [field, value] of this.typed(this.live, key, 'hash')?.value ?? []) all[field] = value;
    return all;
  }

  async setMembers(key: string): Promise<string[]> {
    this.assertOpen();
    assertKey(key);
    return [...(this.typed(this.live, key, 'set')?.value ?? [])];
  }

  async setIsMember(key: string, member: string): Promise<boolean> {
    this.assertOpen();
    assertKey(key);
    assertString(member, 'member');
    return this.typed(this.live, key, 'set')?.value.has(member) ?? false;
  }

  async setSize(key: string): Promise<number> {
    this.assertOpen();
    assertKey(key);
    return this.typed(this.live, key, 'set')?.value.size ?? 0;
  }

  async listRange(key: string, start: number, stop: number): Promise<string[]> {
    this.assertOpen();
    assertKey(key);
    assertIndex(start, 'start');
    assertIndex(stop, 'stop');
    const list = this.typed(this.live, key, 'list')?.value ?? [];
    // LRANGE: negative indices count from the end; out-of-range indices are clamped.
    const length = list.length;
    const from = Math.max(start < 0 ? length + start : start, 0);
    const to = Math.min(stop < 0 ? length + stop : stop, length - 1);
    return from > to ? [] : list.slice(from, to + 1);
  }

  async listLength(key: string): Promise<number> {
    this.assertOpen();
    assertKey(key);
    return this.typed(this.live, key, 'list')?.value.length ?? 0;
  }

  async commit(ops: readonly WriteOp[], options: CommitOptions = {}): Promise<boolean> {
    this.assertOpen();
    assertCommitArguments(ops, options);
    const marker = options.unlessExists;
    if (marker !== undefined && this.readLive(marker) !== undefined) return false;

    const staged = new Map<string, Entry | undefined>();
    const batch: EntryAccess = {
      read: (key) => (staged.has(key) ? staged.get(key) : copy(this.readLive(key))),
      write: (key, entry) => void staged.set(key, entry),
    };
    ops.forEach((op, i) => {
      try {
        this.apply(batch, op);
      } catch (error) {
        if (error instanceof KeyValueStoreError) {
          throw new KeyValueStoreError(error.code, `ops[${i}] (${op.op}): ${error.message}; nothing was written`);
        }
        throw error;
      }
    });
    if (marker !== undefined) this.apply(batch, { op: 'set', key: marker, value: '1', ttlMs: options.markerTtlMs });
    for (const [key, entry] of staged) this.live.write(key, entry);
    return true;
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
  }

  /** Applies one op through `access`; throws before writing anything when the op cannot apply. */
  private apply(access: EntryAccess, op: WriteOp): void {
    const { key } = op;
    switch (op.op) {
      case 'set': {
        const expiresAt = op.ttlMs === undefined ? undefined : this.clock() + op.ttlMs;
        access.write(key, { kind: 'string', value: op.value, expiresAt });
        return;
      }
      case 'delete':
        access.write(key, undefined);
        return;
      case 'hashSet': {
        const hash = this.typed(access, key, 'hash') ?? { kind: 'hash', value: new Map() };
        hash.value.set(op.field, op.value);
        access.write(key, hash);
        return;
      }
      case 'hashDelete': {
        const hash = this.typed(access, key, 'hash');
        if (hash === undefined) return;
        hash.value.delete(op.field);
        access.write(key, hash.value.size === 0 ? undefined : hash);
        return;
      }
      case 'hashIncrBy': {
        const hash = this.typed(access, key, 'hash') ?? { kind: 'hash', value: new Map() };
        const next = increment(hash.value.get(op.field), op.by, `hash field ${JSON.stringify(op.field)}`);
        hash.value.set(op.field, String(next));
        access.write(key, hash);
        return;
      }
      case 'setAdd': {
        const set = this.typed(access, key, 'set') ?? { kind: 'set', value: new Set() };
        for (const member of op.members) set.value.add(member);
        access.write(key, set);
        return;
      }
      case 'setRemove': {
        const set = this.typed(access, key, 'set');
        if (set === undefined) return;
        for (const member of op.members) set.value.delete(member);
        access.write(key, set.value.size === 0 ? undefined : set);
        return;
      }
      case 'listPush': {
        const list = this.typed(access, key, 'list') ?? { kind: 'list', value: [] };
        list.value.push(...op.values);
        access.write(key, list);
        return;
      }
      default: {
        const unknownOp: never = op;
        throw new KeyValueStoreError('invalid-argument', `unknown write op ${JSON.stringify(unknownOp)}`);
      }
    }
  }

  /** The entry at `key` when it holds `kind`, undefined when absent; wrong-type otherwise. */
  private typed<K extends Kind>(access: EntryAccess, key: string, kind: K): EntryOf<K> | undefined {
    const entry = access.read(key);
    if (entry === undefined) return undefined;
    if (entry.kind !== kind) {
      throw new KeyValueStoreError(
        'wrong-type',
        `key ${JSON.stringify(key)} holds a ${entry.kind}, not a ${kind}`,
      );
    }
    return entry as EntryOf<K>;
  }

  private readLive(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.kind === 'string' && entry.expiresAt !== undefined && this.clock() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private assertOpen(): void {
    if (this.closed) throw new KeyValueStoreError('closed', 'this MemoryKeyValueStore was closed');
  }
}

function copy(entry: Entry | undefined): Entry | undefined {
  switch (entry?.kind) {
    case undefined:
    case 'string':
      return entry;
    case 'hash':
      return { kind: 'hash', value: new Map(entry.value) };
    case 'set':
      return { kind: 'set', value: new Set(entry.value) };
    case 'list':
      return { kind: 'list', value: [...entry.value] };
  }
}

/** `current + by` as a counter (absent counts as 0), or not-an-integer. */
function increment(current: string | undefined, by: number, what: string): number {
  const base = current === undefined ? 0 : parseCounter(current);
  if (base === null) {
    throw new KeyValueStoreError('not-an-integer', `${what} is not an integer counter: ${JSON.stringify(current)}`);
  }
  const next = base + by;
  if (!Number.isSafeInteger(next)) {
    throw new KeyValueStoreError('not-an-integer', `${what} would leave the safe-integer range (${base} + ${by})`);
  }
  return next;
}
