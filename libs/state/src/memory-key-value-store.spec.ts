/**
 * Runs the KeyValueStore contract against MemoryKeyValueStore on a fake clock, plus what only the
 * memory adapter has: the injectable clock and the factory's memory branch.
 */
import { describe, expect, it } from 'vitest';
import { createKeyValueStore } from './key-value-store.factory';
import { MemoryKeyValueStore } from './memory-key-value-store.adapter';
import { describeKeyValueStoreContract } from './testing/key-value-store-contract';

describeKeyValueStoreContract('memory', async () => {
  let now = 1_700_000_000_000;
  const store = new MemoryKeyValueStore({ clock: () => now });
  return {
    store,
    advance: async (ms) => {
      now += ms;
    },
  };
});

describe('MemoryKeyValueStore', () => {
  it('expires a key exactly ttlMs after it was set, by the injected clock', async () => {
    let now = 0;
    const store = new MemoryKeyValueStore({ clock: () => now });
    await store.set('k', 'v', { ttlMs: 100 });
    now = 99;
    expect(await store.get('k')).toBe('v');
    now = 100;
    expect(await store.get('k')).toBeNull();
  });

  it('uses Date.now when no clock is given', async () => {
    const store = new MemoryKeyValueStore();
    await store.set('k', 'v', { ttlMs: 60_000 });
    expect(await store.get('k')).toBe('v');
  });

  it('createKeyValueStore({ kind: "memory" }) gives an empty, working store', async () => {
    const store = await createKeyValueStore({ kind: 'memory' });
    expect(store).toBeInstanceOf(MemoryKeyValueStore);
    expect(await store.incr('n')).toBe(1);
    await store.close();
  });
});
