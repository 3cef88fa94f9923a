/**
 * The one contract suite every `KeyValueStore` adapter passes: `describeKeyValueStoreContract`
 * declares vitest tests for a factory. memory-key-value-store.spec.ts runs it in memory with a
 * fake clock; redis-key-value-store.int-spec.ts runs it against a real Redis, where time really
 * passes. What it pins down is the port's documented semantics — in particular what "commit
 * fails" means: the promise rejects with a coded KeyValueStoreError, no op of the batch is
 * visible, and the marker is not set, so the same batch can be retried.
 *
 * Not exported from the lib's index (it imports vitest); adapters inside this lib import it.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyValueStoreError, type KeyValueStoreErrorCode } from '../key-value-store.error';
import type { KeyValueStore, WriteOp } from '../key-value-store.port';

export interface KeyValueStoreUnderTest {
  /** A store on an empty namespace, closed by the suite after each test. */
  readonly store: KeyValueStore;
  /** Lets `ms` of the store's time pass: a fake clock moves, or the test really waits. */
  advance(ms: number): Promise<void>;
}

export interface KeyValueStoreContractOptions {
  /** fast-check runs for property tests (fewer against a real server). */
  readonly propertyRuns?: number;
}

/** TTL used by expiry tests: long enough that a real server's round trips stay well inside it. */
const TTL = 300;

/** LRANGE as Redis documents it: the reference for listRange. */
export function referenceRange<T>(list: readonly T[], start: number, stop: number): T[] {
  const length = list.length;
  let from = start < 0 ? length + start : start;
  let to = stop < 0 ? length + stop : stop;
  if (from < 0) from = 0;
  if (to >= length) to = length - 1;
  return from > to ? [] : list.slice(from, to + 1);
}

/** Resolves to the error code a rejected call carries; fails the test when it resolves. */
export async function codeOf(promise: Promise<unknown>): Promise<KeyValueStoreErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KeyValueStoreError);
    return (error as KeyValueStoreError).code;
  }
  throw new Error('expected the call to reject with a KeyValueStoreError, but it resolved');
}

export function describeKeyValueStoreContract(
  label: string,
  open: () => Promise<KeyValueStoreUnderTest>,
  options: KeyValueStoreContractOptions = {},
): void {
  const runs = options.propertyRuns ?? 100;

  describe(`KeyValueStore contract: ${label}`, () => {
    let subject: KeyValueStoreUnderTest;
    let store: KeyValueStore;

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await store.close();
    });

    describe('strings', () => {
      it('reads null for a missing key, then what was set, then the overwrite', async () => {
        expect(await store.get('s')).toBeNull();
        expect(await store.set('s', 'one')).toBe(true);
        expect(await store.get('s')).toBe('one');
        expect(await store.set('s', '')).toBe(true);
        expect(await store.get('s')).toBe('');
      });

      it('keeps values byte for byte (JSON, unicode, separators)', async () => {
        const value = JSON.stringify({ plan: 'p-1', note: 'zürich ✓ 🚀', nested: [1, '\n', ':'] });
        await store.set('json', value);
        expect(await store.get('json')).toBe(value);
      });

      it('set with ifAbsent writes only when the key does not exist, whatever its kind', async () => {
        expect(await store.set('once', 'first', { ifAbsent: true })).toBe(true);
        expect(await store.set('once', 'second', { ifAbsent: true })).toBe(false);
        expect(await store.get('once')).toBe('first');
        await store.commit([{ op: 'setAdd', key: 'aset', members: ['m'] }]);
        expect(await store.set('aset', 'x', { ifAbsent: true })).toBe(false);
        expect(await store.setMembers('aset')).toEqual(['m']);
      });

      it('set replaces a key of any kind', async () => {
        await store.commit([{ op: 'hashSet', key: 'k', field: 'f', value: 'v' }]);
        expect(await store.set('k', 'now a string')).toBe(true);
        expect(await store.get('k')).toBe('now a string');
      });

      it('delete removes a key of any kind and ignores a missing one', async () => {
        await store.set('a', '1');
        await store.commit([
          { op: 'hashSet', key: 'h', field: 'f', value: 'v' },
          { op: 'setAdd', key: 's', members: ['m'] },
          { op: 'listPush', key: 'l', values: ['x'] },
        ]);
        for (const key of ['a', 'h', 's', 'l', 'never-existed']) await store.delete(key);
        expect(await store.get('a')).toBeNull();
        expect(await store.hashGetAll('h')).toEqual({});
        expect(await store.setSize('s')).toBe(0);
        expect(await store.listLength('l')).toBe(0);
      });

      it('keys are independent of one another (no prefix bleed, case sensitive)', async () => {
        await store.set('Key', 'upper');
        await store.set('key', 'lower');
        await store.set('key:sub', 'sub');
        expect([await store.get('Key'), await store.get('key'), await store.get('key:sub')]).toEqual([
          'upper',
          'lower',
          'sub',
        ]);
      });
    });

    describe('TTL', () => {
      it('a key set with ttlMs is readable before it elapses and gone after', async () => {
        await store.set('t', 'v', { ttlMs: TTL });
        await subject.advance(TTL / 3);
        expect(await store.get('t')).toBe('v');
        await subject.advance(TTL);
        expect(await store.get('t')).toBeNull();
      });

      it('ifAbsent succeeds again once the key expired', async () => {
        expect(await store.set('lock', 'a', { ttlMs: TTL, ifAbsent: true })).toBe(true);
        expect(await store.set('lock', 'b', { ttlMs: TTL, ifAbsent: true })).toBe(false);
        await subject.advance(TTL + TTL / 3);
        expect(await store.set('lock', 'c', { ttlMs: TTL, ifAbsent: true })).toBe(true);
        expect(await store.get('lock')).toBe('c');
      });

      it('set without ttlMs clears an earlier TTL', async () => {
        await store.set('t', 'short', { ttlMs: TTL });
        await store.set('t', 'forever');
        await subject.advance(TTL + TTL / 3);
        expect(await store.get('t')).toBe('forever');
      });

      it('incr keeps the TTL of the counter', async () => {
        await store.set('n', '5', { ttlMs: TTL });
        expect(await store.incr('n')).toBe(6);
        await subject.advance(TTL + TTL / 3);
        expect(await store.get('n')).toBeNull();
        expect(await store.incr('n')).toBe(1);
      });

      it('a set op in a commit honours its ttlMs', async () => {
        await store.commit([
          { op: 'set', key: 'short', value: 's', ttlMs: TTL },
          { op: 'set', key: 'long', value: 'l' },
        ]);
        await subject.advance(TTL + TTL / 3);
        expect(await store.get('short')).toBeNull();
        expect(await store.get('long')).toBe('l');
      });

      it('a marker with markerTtlMs lets the same batch apply again after it expired', async () => {
        const ops: WriteOp[] = [{ op: 'hashIncrBy', key: 'h', field: 'n', by: 1 }];
        const options = { unlessExists: 'done:e1', markerTtlMs: TTL };
        expect(await store.commit(ops, options)).toBe(true);
        expect(await store.commit(ops, options)).toBe(false);
        await subject.advance(TTL + TTL / 3);
        expect(await store.commit(ops, options)).toBe(true);
        expect(await store.hashGet('h', 'n')).toBe('2');
      });

      it('rejects a ttlMs that is not a positive integer', async () => {
        for (const ttlMs of [0, -1, 1.5, Number.NaN]) {
          expect(await codeOf(store.set('t', 'v', { ttlMs }))).toBe('invalid-argument');
        }
        expect(await store.get('t')).toBeNull();
      });
    });

    describe('counters', () => {
      it('incr counts from 0 when absent and returns the new value', async () => {
        expect(await store.incr('c')).toBe(1);
        expect(await store.incr('c')).toBe(2);
        expect(await store.get('c')).toBe('2');
        await store.set('neg', '-3');
        expect(await store.incr('neg')).toBe(-2);
      });

      it('incr refuses a value that is not an integer, leaving it as it was', async () => {
        for (const value of ['abc', '1.5', '01', '+1', ' 1', '', '-0', '1e3']) {
          await store.set('c', value);
          expect(await codeOf(store.incr('c')), JSON.stringify(value)).toBe('not-an-integer');
          expect(await store.get('c')).toBe(value);
        }
      });

      it('incr refuses to leave the safe-integer range', async () => {
        await store.set('c', String(Number.MAX_SAFE_INTEGER - 1));
        expect(await store.incr('c')).toBe(Number.MAX_SAFE_INTEGER);
        expect(await codeOf(store.incr('c'))).toBe('not-an-integer');
        expect(await store.get('c')).toBe(String(Number.MAX_SAFE_INTEGER));
      });

      it('concurrent incr calls each get a distinct value', async () => {
        const values = await Promise.all(Array.from({ length: 50 }, () => store.incr('c')));
        expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      });

      it('incrWithTtl starts a counter with the TTL, counts within it and starts again after it', async () => {
        const first = await store.incrWithTtl('w', TTL);
        expect(first.value).toBe(1);
        expect(first.ttlMs).toBeGreaterThan(0);
        expect(first.ttlMs).toBeLessThanOrEqual(TTL);
        await subject.advance(TTL / 3);
        const second = await store.incrWithTtl('w', TTL);
        // the window is the first call's: the second does not extend it
        expect(second.value).toBe(2);
        expect(second.ttlMs).toBeLessThanOrEqual(first.ttlMs - TTL / 3 + 5);
        expect(await store.get('w')).toBe('2');
        await subject.advance(TTL);
        expect(await store.get('w')).toBeNull();
        expect((await store.incrWithTtl('w', TTL)).value).toBe(1);
      });

      it('incrWithTtl gives a counter without a TTL one, and keeps the TTL of one that has it', async () => {
        await store.set('plain', '4');
        expect((await store.incrWithTtl('plain', TTL)).value).toBe(5);
        await store.set('timed', '7', { ttlMs: TTL * 10 });
        const timed = await store.incrWithTtl('timed', TTL);
        expect(timed.value).toBe(8);
        expect(timed.ttlMs).toBeGreaterThan(TTL);
        await subject.advance(TTL + TTL / 3);
        expect(await store.get('plain')).toBeNull();
        expect(await store.get('timed')).toBe('8');
      });

      it('incrWithTtl refuses a non-counter, another kind and a bad TTL, writing nothing', async () => {
        await store.set('text', 'abc');
        expect(await codeOf(store.incrWithTtl('text', TTL))).toBe('not-an-integer');
        expect(await store.get('text')).toBe('abc');
        await store.commit([{ op: 'setAdd', key: 'aset', members: ['m'] }]);
        expect(await codeOf(store.incrWithTtl('aset', TTL))).toBe('wrong-type');
        for (const ttlMs of [0, -1, 1.5, Number.NaN]) {
          expect(await codeOf(store.incrWithTtl('fresh', ttlMs)), String(ttlMs)).toBe('invalid-argument');
        }
        expect(await store.get('fresh')).toBeNull();
      });

      it('concurrent incrWithTtl calls each get a distinct value: a limit of N admits exactly N', async () => {
        const results = await Promise.all(Array.from({ length: 30 }, () => store.incrWithTtl('limit', 60_000)));
        expect(results.map((r) => r.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(results.filter((r) => r.value <= 5)).toHaveLength(5);
      });

      it('hashIncrBy adds to a field (absent counts as 0), negative steps included', async () => {
        await store.commit([
          { op: 'hashIncrBy', key: 'h', field: 'n', by: 5 },
          { op: 'hashIncrBy', key: 'h', field: 'n', by: -7 },
          { op: 'hashIncrBy', key: 'h', field: 'm', by: 0 },
        ]);
        expect(await store.hashGetAll('h')).toEqual({ n: '-2', m: '0' });
      });
    });

    describe('hashes', () => {
      it('hashGet, hashGetAll and hashDelete', async () => {
        expect(await store.hashGet('h', 'f')).toBeNull();
        expect(await store.hashGetAll('h')).toEqual({});
        await store.commit([
          { op: 'hashSet', key: 'h', field: 'a', value: '1' },
          { op: 'hashSet', key: 'h', field: 'b', value: '2' },
          { op: 'hashSet', key: 'h', field: 'a', value: '3' },
        ]);
        expect(await store.hashGet('h', 'a')).toBe('3');
        expect(await store.hashGet('h', 'missing')).toBeNull();
        expect(await store.hashGetAll('h')).toEqual({ a: '3', b: '2' });
        expect(await store.hashGetMany('h', ['b', 'missing', 'a'])).toEqual(['2', null, '3']);
        expect(await store.hashGetMany('h', [])).toEqual([]);
        expect(await store.hashGetMany('absent', ['a'])).toEqual([null]);
        await store.commit([{ op: 'hashDelete', key: 'h', field: 'a' }, { op: 'hashDelete', key: 'h', field: 'zz' }]);
        expect(await store.hashGetAll('h')).toEqual({ b: '2' });
      });

      it('a field named __proto__ is an ordinary field', async () => {
        await store.commit([{ op: 'hashSet', key: 'h', field: '__proto__', value: 'x' }]);
        const all = await store.hashGetAll('h');
        expect(Object.keys(all)).toEqual(['__proto__']);
        expect(all['__proto__']).toBe('x');
      });

      it('a hash whose last field is deleted no longer exists', async () => {
        await store.commit([{ op: 'hashSet', key: 'h', field: 'only', value: 'v' }]);
        await store.commit([{ op: 'hashDelete', key: 'h', field: 'only' }]);
        expect(await store.set('h', 'free', { ifAbsent: true })).toBe(true);
      });
    });

    describe('sets', () => {
      it('setAdd, setMembers, setIsMember, setSize, setRemove', async () => {
        expect(await store.setMembers('s')).toEqual([]);
        expect(await store.setSize('s')).toBe(0);
        expect(await store.setIsMember('s', 'a')).toBe(false);
        await store.commit([
          { op: 'setAdd', key: 's', members: ['a', 'b', 'a'] },
          { op: 'setAdd', key: 's', members: ['c'] },
        ]);
        expect((await store.setMembers('s')).sort()).toEqual(['a', 'b', 'c']);
        expect(await store.setSize('s')).toBe(3);
        expect(await store.setIsMember('s', 'b')).toBe(true);
        await store.commit([{ op: 'setRemove', key: 's', members: ['b', 'not-there'] }]);
        expect((await store.setMembers('s')).sort()).toEqual(['a', 'c']);
        expect(await store.setIsMember('s', 'b')).toBe(false);
      });

      it('a set whose last member is removed no longer exists', async () => {
        await store.commit([{ op: 'setAdd', key: 's', members: ['a', 'b'] }]);
        await store.commit([{ op: 'setRemove', key: 's', members: ['a', 'b'] }]);
        expect(await store.set('s', 'free', { ifAbsent: true })).toBe(true);
      });

      it('takes thousands of members in one op', async () => {
        const members = Array.from({ length: 5000 }, (_, i) => `client-${i}`);
        await store.commit([{ op: 'setAdd', key: 'pool', members }]);
        expect(await store.setSize('pool')).toBe(5000);
        await store.commit([{ op: 'setRemove', key: 'pool', members: members.slice(0, 4999) }]);
        expect(await store.setMembers('pool')).toEqual(['client-4999']);
      });
    });

    describe('lists', () => {
      it('listPush appends at the tail; listRange and listLength read it', async () => {
        expect(await store.listLength('l')).toBe(0);
        expect(await store.listRange('l', 0, -1)).toEqual([]);
        await store.commit([{ op: 'listPush', key: 'l', values: ['a', 'b'] }]);
        await store.commit([{ op: 'listPush', key: 'l', values: ['c', 'd', 'e'] }]);
        expect(await store.listLength('l')).toBe(5);
        expect(await store.listRange('l', 0, -1)).toEqual(['a', 'b', 'c', 'd', 'e']);
      });

      it('listRange is inclusive with negative indices from the end, clamped like LRANGE', async () => {
        await store.commit([{ op: 'listPush', key: 'l', values: ['a', 'b', 'c', 'd', 'e'] }]);
        const cases: [number, number, string[]][] = [
          [0, 0, ['a']],
          [1, 3, ['b', 'c', 'd']],
          [-2, -1, ['d', 'e']],
          [-3, 3, ['c', 'd']],
          [-100, 1, ['a', 'b']],
          [3, 100, ['d', 'e']],
          [3, 1, []],
          [5, 10, []],
          [-1, -2, []],
          [-100, -6, []],
        ];
        for (const [start, stop, expected] of cases) {
          expect(await store.listRange('l', start, stop), `${start}..${stop}`).toEqual(expected);
        }
      });

      it('listRange matches the LRANGE definition for any list and indices', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.string({ maxLength: 3 }), { maxLength: 12 }),
            fc.integer({ min: -16, max: 16 }),
            fc.integer({ min: -16, max: 16 }),
            async (values, start, stop) => {
              await store.delete('p');
              if (values.length > 0) await store.commit([{ op: 'listPush', key: 'p', values }]);
              expect(await store.listRange('p', start, stop)).toEqual(referenceRange(values, start, stop));
            },
          ),
          { numRuns: runs },
        );
      });

      it('rejects indices that are not integers', async () => {
        expect(await codeOf(store.listRange('l', 0.5, 1))).toBe('invalid-argument');
        expect(await codeOf(store.listRange('l', 0, Number.POSITIVE_INFINITY))).toBe('invalid-argument');
      });
    });

    describe('kinds', () => {
      beforeEach(async () => {
        await store.set('str', 'v');
        await store.commit([
          { op: 'hashSet', key: 'hash', field: 'f', value: 'v' },
          { op: 'setAdd', key: 'set', members: ['m'] },
          { op: 'listPush', key: 'list', values: ['x'] },
        ]);
      });

      it('reads of a key holding another kind reject with wrong-type', async () => {
        const reads: [string, () => Promise<unknown>][] = [
          ['get hash', () => store.get('hash')],
          ['incr set', () => store.incr('set')],
          ['hashGet str', () => store.hashGet('str', 'f')],
          ['hashGetAll list', () => store.hashGetAll('list')],
          ['hashGetMany set', () => store.hashGetMany('set', ['f'])],
          ['setMembers list', () => store.setMembers('list')],
          ['setIsMember str', () => store.setIsMember('str', 'm')],
          ['setSize hash', () => store.setSize('hash')],
          ['listRange set', () => store.listRange('set', 0, -1)],
          ['listLength str', () => store.listLength('str')],
        ];
        for (const [what, read] of reads) expect(await codeOf(read()), what).toBe('wrong-type');
      });

      it('a write op on a key holding another kind rejects with wrong-type', async () => {
        const ops: WriteOp[] = [
          { op: 'hashSet', key: 'str', field: 'f', value: 'v' },
          { op: 'hashDelete', key: 'set', field: 'f' },
          { op: 'hashIncrBy', key: 'list', field: 'f', by: 1 },
          { op: 'setAdd', key: 'hash', members: ['m'] },
          { op: 'setRemove', key: 'list', members: ['x'] },
          { op: 'listPush', key: 'set', values: ['x'] },
        ];
        for (const op of ops) expect(await codeOf(store.commit([op])), `${op.op} ${op.key}`).toBe('wrong-type');
        expect(await store.get('str')).toBe('v');
        expect(await store.hashGetAll('hash')).toEqual({ f: 'v' });
        expect(await store.setMembers('set')).toEqual(['m']);
        expect(await store.listRange('list', 0, -1)).toEqual(['x']);
      });
    });

    describe('commit', () => {
      it('an empty batch succeeds', async () => {
        expect(await store.commit([])).toBe(true);
      });

      it('applies every kind of op in order', async () => {
        await store.set('gone', 'x');
        const applied = await store.commit([
          { op: 'set', key: 'a', value: '1' },
          { op: 'set', key: 'a', value: '2' },
          { op: 'delete', key: 'gone' },
          { op: 'hashSet', key: 'h', field: 'f', value: 'v' },
          { op: 'hashSet', key: 'h', field: 'g', value: 'w' },
          { op: 'hashDelete', key: 'h', field: 'g' },
          { op: 'hashIncrBy', key: 'h', field: 'n', by: 3 },
          { op: 'setAdd', key: 's', members: ['x', 'y'] },
          { op: 'setRemove', key: 's', members: ['x'] },
          { op: 'listPush', key: 'l', values: ['p'] },
          { op: 'listPush', key: 'l', values: ['q'] },
        ]);
        expect(applied).toBe(true);
        expect(await store.get('a')).toBe('2');
        expect(await store.get('gone')).toBeNull();
        expect(await store.hashGetAll('h')).toEqual({ f: 'v', n: '3' });
        expect(await store.setMembers('s')).toEqual(['y']);
        expect(await store.listRange('l', 0, -1)).toEqual(['p', 'q']);
      });

      it('with unlessExists applies the batch once and sets the marker to "1"', async () => {
        const ops: WriteOp[] = [
          { op: 'hashIncrBy', key: 'budget', field: 'spent', by: 2 },
          { op: 'listPush', key: 'log', values: ['e1'] },
        ];
        expect(await store.commit(ops, { unlessExists: 'applied:e1' })).toBe(true);
        expect(await store.commit(ops, { unlessExists: 'applied:e1' })).toBe(false);
        expect(await store.get('applied:e1')).toBe('1');
        expect(await store.hashGet('budget', 'spent')).toBe('2');
        expect(await store.listRange('log', 0, -1)).toEqual(['e1']);
        expect(await store.commit(ops, { unlessExists: 'applied:e2' })).toBe(true);
        expect(await store.hashGet('budget', 'spent')).toBe('4');
      });

      it('a marker that exists as any kind of key blocks the batch', async () => {
        await store.commit([{ op: 'setAdd', key: 'marker', members: ['x'] }]);
        expect(await store.commit([{ op: 'set', key: 'a', value: '1' }], { unlessExists: 'marker' })).toBe(false);
        expect(await store.get('a')).toBeNull();
      });

      it('50 concurrent commits with the same marker: exactly one applies', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.commit(
              [
                { op: 'hashIncrBy', key: 'round', field: 'charged', by: 1 },
                { op: 'listPush', key: 'winners', values: [String(i)] },
              ],
              { unlessExists: 'once' },
            ),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.hashGet('round', 'charged')).toBe('1');
        expect(await store.listRange('winners', 0, -1)).toEqual([String(results.indexOf(true))]);
      });

      it('a wrong-type op fails the whole batch: rejected, nothing written, marker unset, retry works', async () => {
        await store.set('str', 'keep');
        await store.commit([{ op: 'hashSet', key: 'h', field: 'old', value: '1' }]);
        const bad: WriteOp[] = [
          { op: 'set', key: 'new', value: 'n' },
          { op: 'hashSet', key: 'h', field: 'old', value: '2' },
          { op: 'hashIncrBy', key: 'h', field: 'count', by: 1 },
          { op: 'setAdd', key: 'members', members: ['a'] },
          { op: 'delete', key: 'str2' },
          { op: 'listPush', key: 'str', values: ['boom'] },
          { op: 'listPush', key: 'l', values: ['after'] },
        ];
        expect(await codeOf(store.commit(bad, { unlessExists: 'm' }))).toBe('wrong-type');
        expect(await store.get('new')).toBeNull();
        expect(await store.hashGetAll('h')).toEqual({ old: '1' });
        expect(await store.setSize('members')).toBe(0);
        expect(await store.get('str')).toBe('keep');
        expect(await store.listLength('l')).toBe(0);
        expect(await store.get('m')).toBeNull();

        const fixed = bad.map((op) => (op.key === 'str' ? { ...op, key: 'list' } : op));
        expect(await store.commit(fixed, { unlessExists: 'm' })).toBe(true);
        expect(await store.hashGetAll('h')).toEqual({ old: '2', count: '1' });
        expect(await store.listRange('list', 0, -1)).toEqual(['boom']);
        expect(await store.get('m')).toBe('1');
      });

      it('a counter that is not an integer fails the whole batch', async () => {
        await store.commit([{ op: 'hashSet', key: 'h', field: 'n', value: 'abc' }]);
        const code = await codeOf(
          store.commit([
            { op: 'set', key: 'a', value: '1' },
            { op: 'hashIncrBy', key: 'h', field: 'n', by: 1 },
          ]),
        );
        expect(code).toBe('not-an-integer');
        expect(await store.get('a')).toBeNull();
        expect(await store.hashGet('h', 'n')).toBe('abc');
      });

      it('a counter that would leave the safe-integer range fails the whole batch', async () => {
        const code = await codeOf(
          store.commit([
            { op: 'set', key: 'a', value: '1' },
            { op: 'hashIncrBy', key: 'h', field: 'n', by: Number.MAX_SAFE_INTEGER },
            { op: 'hashIncrBy', key: 'h', field: 'n', by: 1 },
          ]),
        );
        expect(code).toBe('not-an-integer');
        expect(await store.get('a')).toBeNull();
        expect(await store.hashGetAll('h')).toEqual({});
      });

      it('judges each op against the state the earlier ops of the batch leave', async () => {
        await store.set('str', 'v');
        await store.commit([
          { op: 'hashSet', key: 'two', field: 'a', value: '1' },
          { op: 'hashSet', key: 'two', field: 'b', value: '1' },
          { op: 'setAdd', key: 'one', members: ['a'] },
        ]);
        const accepted: WriteOp[][] = [
          [{ op: 'delete', key: 'str' }, { op: 'hashSet', key: 'str', field: 'f', value: 'v' }],
          [
            { op: 'hashSet', key: 'tmp', field: 'f', value: 'v' },
            { op: 'hashDelete', key: 'tmp', field: 'f' },
            { op: 'listPush', key: 'tmp', values: ['now a list'] },
          ],
          [
            { op: 'setAdd', key: 'one', members: ['b', 'b'] },
            { op: 'setRemove', key: 'one', members: ['a', 'b'] },
            { op: 'set', key: 'x', value: 'y' },
            { op: 'listPush', key: 'one', values: ['now a list'] },
          ],
          [
            { op: 'hashIncrBy', key: 'c', field: 'n', by: 2 },
            { op: 'hashIncrBy', key: 'c', field: 'n', by: 3 },
          ],
        ];
        for (const ops of accepted) expect(await store.commit(ops)).toBe(true);
        expect(await store.hashGetAll('str')).toEqual({ f: 'v' });
        expect(await store.listRange('tmp', 0, -1)).toEqual(['now a list']);
        expect(await store.listRange('one', 0, -1)).toEqual(['now a list']);
        expect(await store.hashGet('c', 'n')).toBe('5');

        const refused: [KeyValueStoreErrorCode, WriteOp[]][] = [
          ['wrong-type', [{ op: 'set', key: 'fresh', value: 'v' }, { op: 'hashSet', key: 'fresh', field: 'f', value: 'v' }]],
          ['wrong-type', [{ op: 'hashDelete', key: 'two', field: 'a' }, { op: 'listPush', key: 'two', values: ['x'] }]],
          ['wrong-type', [{ op: 'setAdd', key: 's2', members: ['a'] }, { op: 'setRemove', key: 's2', members: ['b'] }, { op: 'listPush', key: 's2', values: ['x'] }]],
          ['not-an-integer', [{ op: 'hashSet', key: 'c2', field: 'n', value: '1.5' }, { op: 'hashIncrBy', key: 'c2', field: 'n', by: 1 }]],
        ];
        for (const [code, ops] of refused) expect(await codeOf(store.commit(ops))).toBe(code);
        expect(await store.get('fresh')).toBeNull();
        expect(await store.hashGetAll('two')).toEqual({ a: '1', b: '1' });
        expect(await store.setSize('s2')).toBe(0);
        expect(await store.hashGetAll('c2')).toEqual({});
      });

      it('refuses malformed ops with invalid-argument before writing anything', async () => {
        const good: WriteOp = { op: 'set', key: 'a', value: '1' };
        const malformed: unknown[] = [
          { op: 'setAdd', key: 's', members: [] },
          { op: 'listPush', key: 'l', values: [] },
          { op: 'setRemove', key: 's', members: [1] },
          { op: 'set', key: 'k', value: 'v', ttlMs: 0 },
          { op: 'hashIncrBy', key: 'h', field: 'f', by: 1.5 },
          { op: 'hashSet', key: 'h', field: 'f' },
          { op: 'rename', key: 'k' },
          { op: 'set', key: 7, value: 'v' },
        ];
        for (const op of malformed) {
          expect(await codeOf(store.commit([good, op as WriteOp])), JSON.stringify(op)).toBe('invalid-argument');
        }
        expect(await codeOf(store.commit([good], { markerTtlMs: 10 }))).toBe('invalid-argument');
        expect(await codeOf(store.commit([good], { unlessExists: 'm', markerTtlMs: -1 }))).toBe('invalid-argument');
        expect(await store.get('a')).toBeNull();
        expect(await store.get('m')).toBeNull();
      });
    });

    describe('lifecycle', () => {
      it('ping answers true while open; after close calls reject with closed, and close is idempotent', async () => {
        expect(await store.ping()).toBe(true);
        await store.close();
        await store.close();
        expect(await store.ping()).toBe(false);
        expect(await codeOf(store.get('a'))).toBe('closed');
        expect(await codeOf(store.commit([]))).toBe('closed');
      });
    });
  });
}
