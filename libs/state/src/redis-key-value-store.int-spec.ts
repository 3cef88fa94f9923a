/**
 * Runs the KeyValueStore contract against a real Redis (address from COHORT_REDIS_URL, default
 * redis://127.0.0.1:6379; `npm run infra:up` starts one), each test in its own key namespace
 * under a random prefix for this run, all deleted afterwards. Then a differential test: random
 * sequences of calls and batches give the same results and the same state on Redis as on
 * MemoryKeyValueStore — the "identical semantics" claim, checked rather than asserted.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyValueStoreError } from './key-value-store.error';
import type { KeyValueStore, WriteOp } from './key-value-store.port';
import { createKeyValueStore } from './key-value-store.factory';
import { MemoryKeyValueStore } from './memory-key-value-store.adapter';
import { RedisKeyValueStore } from './redis-key-value-store.adapter';
import { describeKeyValueStoreContract } from './testing/key-value-store-contract';

const url = process.env['COHORT_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const runPrefix = `cohort-test:state:${randomBytes(6).toString('hex')}:`;
let namespaces = 0;

const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
admin.on('error', () => undefined); // reported once, by beforeAll

beforeAll(async () => {
  try {
    await admin.connect();
  } catch (error) {
    admin.disconnect();
    throw new Error(`Redis is not reachable at ${url}: run \`npm run infra:up\` or set COHORT_REDIS_URL`, {
      cause: error,
    });
  }
});

afterAll(async () => {
  if (admin.status !== 'ready') return;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
});

async function openRedis(): Promise<RedisKeyValueStore> {
  const store = new RedisKeyValueStore({ url, keyPrefix: `${runPrefix}${namespaces++}:` });
  await store.connect();
  return store;
}

describeKeyValueStoreContract(
  'redis',
  async () => ({ store: await openRedis(), advance: (ms) => sleep(ms) }),
  { propertyRuns: 40 },
);

describe('RedisKeyValueStore against a real server', () => {
  it('writes every key under its prefix and nothing else', async () => {
    const prefix = `${runPrefix}${namespaces++}:`;
    const store = new RedisKeyValueStore({ url, keyPrefix: prefix });
    await store.connect();
    await store.set('a', '1');
    await store.commit([{ op: 'hashSet', key: 'h', field: 'f', value: 'v' }], { unlessExists: 'm' });
    await store.incr('n');
    expect((await admin.keys(`${prefix}*`)).sort()).toEqual([`${prefix}a`, `${prefix}h`, `${prefix}m`, `${prefix}n`]);
    await store.close();
  });

  it('createKeyValueStore({ kind: "redis" }) returns a connected store', async () => {
    const store = await createKeyValueStore({ kind: 'redis', url, keyPrefix: `${runPrefix}${namespaces++}:` });
    expect(await store.ping()).toBe(true);
    await store.close();
  });

  it('commits from two connections with the same marker: exactly one applies', async () => {
    const keyPrefix = `${runPrefix}${namespaces++}:`;
    const stores = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const store = new RedisKeyValueStore({ url, keyPrefix });
        await store.connect();
        return store;
      }),
    );
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        stores[i % stores.length]!.commit([{ op: 'hashIncrBy', key: 'h', field: 'n', by: 1 }], { unlessExists: 'once' }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await stores[0]!.hashGet('h', 'n')).toBe('1');
    await Promise.all(stores.map((store) => store.close()));
  });

  it('a batch is never seen half applied by another connection', async () => {
    const keyPrefix = `${runPrefix}${namespaces++}:`;
    const writer = new RedisKeyValueStore({ url, keyPrefix });
    const reader = new Redis(url);
    await writer.connect();
    const writes = Array.from({ length: 200 }, (_, i) =>
      writer.commit([
        { op: 'set', key: 'a', value: String(i) },
        { op: 'set', key: 'b', value: String(i) },
      ]),
    );
    const torn: string[] = [];
    const reads = Array.from({ length: 200 }, async () => {
      const [a, b] = await reader.mget(`${keyPrefix}a`, `${keyPrefix}b`);
      if (a !== b) torn.push(`${a}/${b}`);
    });
    await Promise.all([...writes, ...reads]);
    expect(torn).toEqual([]);
    await writer.close();
    await reader.quit();
  });

  // ------------------------------------------------------------------------------------------
  // Differential: Redis and memory give the same answers to the same random calls.
  // ------------------------------------------------------------------------------------------

  const keyArb = fc.constantFrom('k0', 'k1');
  const fieldArb = fc.constantFrom('f0', 'f1');
  const memberArb = fc.constantFrom('m0', 'm1');
  const valueArb = fc.constantFrom('0', '7', '-3', 'x', '01', '', String(Number.MAX_SAFE_INTEGER));
  const byArb = fc.constantFrom(1, -1, 5, Number.MAX_SAFE_INTEGER);
  const opArb: fc.Arbitrary<WriteOp> = fc.oneof(
    fc.record({ op: fc.constant('set' as const), key: keyArb, value: valueArb }),
    fc.record({ op: fc.constant('delete' as const), key: keyArb }),
    fc.record({ op: fc.constant('hashSet' as const), key: keyArb, field: fieldArb, value: valueArb }),
    fc.record({ op: fc.constant('hashDelete' as const), key: keyArb, field: fieldArb }),
    fc.record({ op: fc.constant('hashIncrBy' as const), key: keyArb, field: fieldArb, by: byArb }),
    fc.record({ op: fc.constant('setAdd' as const), key: keyArb, members: fc.array(memberArb, { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: fc.constant('setRemove' as const), key: keyArb, members: fc.array(memberArb, { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: fc.constant('listPush' as const), key: keyArb, values: fc.array(valueArb, { minLength: 1, maxLength: 3 }) }),
  );
  type Step =
    | { readonly kind: 'commit'; readonly ops: WriteOp[]; readonly marker: string | undefined }
    | { readonly kind: 'incr'; readonly key: string }
    | { readonly kind: 'setIfAbsent'; readonly key: string; readonly value: string };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('commit' as const), ops: fc.array(opArb, { maxLength: 6 }), marker: fc.option(fc.constantFrom('k0', 'mk'), { nil: undefined }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('incr' as const), key: keyArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('setIfAbsent' as const), key: keyArb, value: valueArb }) },
  );

  async function outcome(call: () => Promise<unknown>): Promise<unknown> {
    try {
      return { ok: await call() };
    } catch (error) {
      if (error instanceof KeyValueStoreError) return { error: error.code };
      throw error;
    }
  }

  /** Everything the port can say about a key: each read's value or error code (which gives its kind). */
  async function snapshot(store: KeyValueStore, key: string): Promise<unknown> {
    return {
      string: await outcome(() => store.get(key)),
      hash: await outcome(() => store.hashGetAll(key).then((all) => ({ ...all }))),
      set: await outcome(() => store.setMembers(key).then((members) => members.sort())),
      list: await outcome(() => store.listRange(key, 0, -1)),
    };
  }

  it('random calls and batches: same results and same state as MemoryKeyValueStore', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 15 }), async (steps) => {
        const redis = await openRedis();
        const memory = new MemoryKeyValueStore();
        try {
          for (const step of steps) {
            const run = (store: KeyValueStore) =>
              step.kind === 'commit'
                ? store.commit(step.ops, step.marker === undefined ? {} : { unlessExists: step.marker })
                : step.kind === 'incr'
                  ? store.incr(step.key)
                  : store.set(step.key, step.value, { ifAbsent: true });
            expect(await outcome(() => run(redis)), JSON.stringify(step)).toEqual(await outcome(() => run(memory)));
          }
          for (const key of ['k0', 'k1', 'mk']) {
            expect(await snapshot(redis, key), key).toEqual(await snapshot(memory, key));
          }
        } finally {
          await redis.close();
          await memory.close();
        }
      }),
      { numRuns: 200 },
    );
  });
});
