/**
 * `KeyValueStore` on Redis (ioredis), for distributed mode. Every key is written under the
 * configured prefix, which this adapter adds itself (so scripts and clean-up see the same names).
 *
 * Invariants:
 * - `commit` is one Lua script (COMMIT_SCRIPT): the marker check, the validation of the whole
 *   batch and its application happen in one step no other client can interleave with, and a
 *   batch that would fail is refused before its first write.
 * - Nothing connects behind the caller's back at construction: `connect()` (or the first
 *   command) opens the connection, and a server that is down is reported once, with its
 *   address, as `KeyValueStoreError('unavailable')` — never as an endless reconnect loop.
 * - Credentials in the URL never appear in an error message.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { KeyValueStoreError } from './key-value-store.error';
import type { CommitOptions, KeyValueStore, WriteOp } from './key-value-store.port';
import {
  assertCommitArguments,
  assertIndex,
  assertKey,
  assertString,
  assertTtlMs,
} from './key-value-store.validation';
import { COMMIT_SCRIPT, INCR_SCRIPT, INCR_WITH_TTL_SCRIPT } from './redis-key-value-store.scripts';

export interface RedisKeyValueStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). Either this or host/port. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  /** Namespace of every key, e.g. `cohort:` (required, non-empty). */
  readonly keyPrefix: string;
  /** How long to wait for the TCP connection (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** How often a command is retried across reconnects before it rejects (default 3). */
  readonly maxRetriesPerRequest?: number;
  /** How long `ping()` waits for PONG before it answers false (default 1000 ms). */
  readonly pingTimeoutMs?: number;
  /** Called with connection errors (lost connection, failed reconnect); commands reject anyway. */
  readonly onConnectionError?: (error: Error) => void;
}

interface CohortCommands {
  cohortCommit(numKeys: number, ...keysAndArgs: string[]): Promise<number>;
  cohortIncr(key: string): Promise<number>;
  cohortIncrWithTtl(key: string, ttlMs: string): Promise<[number, number]>;
}

export class RedisKeyValueStore implements KeyValueStore {
  /** host:port, for messages (never the URL, which may hold a password). */
  readonly address: string;
  private readonly prefix: string;
  private readonly redis: Redis;
  private readonly commands: CohortCommands;
  private readonly pingTimeoutMs: number;
  private lastConnectionError: Error | undefined;
  private closed = false;

  constructor(options: RedisKeyValueStoreOptions) {
    if (typeof options.keyPrefix !== 'string' || options.keyPrefix === '') {
      throw new KeyValueStoreError('invalid-argument', 'keyPrefix must be a non-empty string such as "cohort:"');
    }
    if ((options.url === undefined) === (options.host === undefined)) {
      throw new KeyValueStoreError('invalid-argument', 'give either url or host (and port), not both nor neither');
    }
    const connectTimeout = options.connectTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(connectTimeout) || connectTimeout <= 0) {
      throw new KeyValueStoreError('invalid-argument', `connectTimeoutMs must be a positive integer, got ${connectTimeout}`);
    }
    this.prefix = options.keyPrefix;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 1000;

    const common: RedisOptions = {
      lazyConnect: true,
      connectTimeout,
      maxRetriesPerRequest: options.maxRetriesPerRequest ?? 3,
    };
    if (options.url !== undefined) {
      this.address = addressOf(options.url);
      this.redis = new Redis(options.url, common);
    } else {
      const host = options.host as string;
      const port = options.port ?? 6379;
      this.address = `${host}:${port}`;
      this.redis = new Redis({ ...common, host, port });
    }
    // Without a listener ioredis prints every connection error to the console.
    this.redis.on('error', (error: Error) => {
      this.lastConnectionError = error;
      options.onConnectionError?.(error);
    });
    this.redis.defineCommand('cohortCommit', { lua: COMMIT_SCRIPT });
    this.redis.defineCommand('cohortIncr', { lua: INCR_SCRIPT, numberOfKeys: 1 });
    this.redis.defineCommand('cohortIncrWithTtl', { lua: INCR_WITH_TTL_SCRIPT, numberOfKeys: 1 });
    this.commands = this.redis as unknown as CohortCommands;
  }

  /**
   * Opens the connection and checks the server answers. Rejects with 'unavailable' naming the
   * address when it does not, and stops retrying (a later call may try again).
   */
  async connect(): Promise<void> {
    this.assertOpen();
    if (this.redis.status === 'ready') return;
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      await this.redis.ping();
    } catch (error) {
      this.redis.disconnect();
      const reason = this.lastConnectionError ?? (error instanceof Error ? error : undefined);
      throw new KeyValueStoreError(
        'unavailable',
        `Redis at ${this.address} is not reachable${reason ? ` (${reason.message})` : ''}: ` +
          'check that it is running there (npm run infra:up starts one for development) and that the address is right',
        { cause: error },
      );
    }
  }

  async get(key: string): Promise<string | null> {
    assertKey(key);
    return this.run(() => this.redis.get(this.k(key)));
  }

  async set(key: string, value: string, options: { ttlMs?: number; ifAbsent?: boolean } = {}): Promise<boolean> {
    assertKey(key);
    assertString(value, 'value');
    const args: (string | number)[] = [this.k(key), value];
    if (options.ttlMs !== undefined) {
      assertTtlMs(options.ttlMs);
      args.push('PX', options.ttlMs);
    }
    if (options.ifAbsent) args.push('NX');
    const reply = await this.run(() => this.redis.call('SET', ...args));
    return reply === 'OK';
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    await this.run(() => this.redis.del(this.k(key)));
  }

  async incr(key: string): Promise<number> {
    assertKey(key);
    return this.run(() => this.commands.cohortIncr(this.k(key)));
  }

  async incrWithTtl(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }> {
    assertKey(key);
    assertTtlMs(ttlMs);
    const [value, left] = await this.run(() => this.commands.cohortIncrWithTtl(this.k(key), String(ttlMs)));
    return { value, ttlMs: left };
  }

  async hashGet(key: string, field: string): Promise<string | null> {
    assertKey(key);
    assertString(field, 'field');
    return this.run(() => this.redis.hget(this.k(key), field));
  }

  async hashGetMany(key: string, fields: readonly string[]): Promise<(string | null)[]> {
    assertKey(key);
    for (const field of fields) assertString(field, 'field');
    if (fields.length === 0) return [];
    return this.run(() => this.redis.hmget(this.k(key), ...fields));
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    assertKey(key);
    // ioredis builds a null-prototype object, so a field named "__proto__" is an ordinary field.
    return this.run(() => this.redis.hgetall(this.k(key)));
  }

  async setMembers(key: string): Promise<string[]> {
    assertKey(key);
    return this.run(() => this.redis.smembers(this.k(key)));
  }

  async setIsMember(key: string, member: string): Promise<boolean> {
    assertKey(key);
    assertString(member, 'member');
    return (await this.run(() => this.redis.sismember(this.k(key), member))) === 1;
  }

  async setSize(key: string): Promise<number> {
    assertKey(key);
    return this.run(() => this.redis.scard(this.k(key)));
  }

  async listRange(key: string, start: number, stop: number): Promise<string[]> {
    assertKey(key);
    assertIndex(start, 'start');
    assertIndex(stop, 'stop');
    return this.run(() => this.redis.lrange(this.k(key), start, stop));
  }

  async listLength(key: string): Promise<number> {
    assertKey(key);
    return this.run(() => this.redis.llen(this.k(key)));
  }

  async commit(ops: readonly WriteOp[], options: CommitOptions = {}): Promise<boolean> {
    assertCommitArguments(ops, options);
    const keys: string[] = [];
    const indexOf = new Map<string, number>();
    const slot = (key: string): number => {
      let index = indexOf.get(key);
      if (index === undefined) {
        keys.push(this.k(key));
        index = keys.length; // Lua's KEYS is 1-based
        indexOf.set(key, index);
      }
      return index;
    };
    const marker = options.unlessExists;
    if (marker !== undefined) slot(marker);
    const args: string[] = [marker === undefined ? '' : String(options.markerTtlMs ?? 0)];
    for (const op of ops) {
      const operands = operandsOf(op);
      args.push(op.op, String(slot(op.key)), String(operands.length), ...operands);
    }
    const applied = await this.run(() => this.commands.cohortCommit(keys.length, ...keys, ...args));
    return applied === 1;
  }

  async ping(): Promise<boolean> {
    if (this.closed || this.redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.pingTimeoutMs);
    });
    try {
      return await Promise.race([this.redis.ping().then((reply) => reply === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.redis.status === 'ready') {
      try {
        await this.redis.quit();
        return;
      } catch {
        // fall through: drop the socket
      }
    }
    this.redis.disconnect();
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  private assertOpen(): void {
    if (this.closed) throw new KeyValueStoreError('closed', `the RedisKeyValueStore for ${this.address} was closed`);
  }

  /** Runs one command, translating every failure into a KeyValueStoreError. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await command();
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): KeyValueStoreError {
    if (error instanceof KeyValueStoreError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (this.closed) return new KeyValueStoreError('closed', `the RedisKeyValueStore for ${this.address} was closed`, { cause: error });
    if (message.startsWith('WRONGTYPE')) {
      return new KeyValueStoreError('wrong-type', message.replace(/^WRONGTYPE /, ''), { cause: error });
    }
    if (message.startsWith('NOTINTEGER') || message.startsWith('ERR value is not an integer')) {
      return new KeyValueStoreError('not-an-integer', message.replace(/^NOTINTEGER /, ''), { cause: error });
    }
    if (error instanceof Error && error.name === 'ReplyError') {
      return new KeyValueStoreError('backend', `Redis at ${this.address} refused a command: ${message}`, { cause: error });
    }
    return new KeyValueStoreError(
      'unavailable',
      `Redis at ${this.address} did not answer (${message}); check that it is running and reachable`,
      { cause: error },
    );
  }
}

function operandsOf(op: WriteOp): string[] {
  switch (op.op) {
    case 'set':
      return op.ttlMs === undefined ? [op.value] : [op.value, String(op.ttlMs)];
    case 'delete':
      return [];
    case 'hashSet':
      return [op.field, op.value];
    case 'hashDelete':
      return [op.field];
    case 'hashIncrBy':
      return [op.field, String(op.by)];
    case 'setAdd':
    case 'setRemove':
      return [...op.members];
    case 'listPush':
      return [...op.values];
  }
}

/** `host:port` of a Redis URL, without credentials. */
function addressOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new KeyValueStoreError('invalid-argument', 'url is not a valid URL; expected redis://host:port');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new KeyValueStoreError('invalid-argument', `url must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  return `${parsed.hostname || '127.0.0.1'}:${parsed.port || '6379'}`;
}
