/**
 * @cohort/state — hot state behind one port, `KeyValueStore` (inject with `KEY_VALUE_STORE`):
 * strings with TTLs, counters (`incrWithTtl` is a fixed-window one, for rate limits), hashes, sets
 * and lists on string keys, plus `commit`, an all-or-nothing batch with an optional idempotency
 * marker (`unlessExists`) so a consumer applies an event's side effect and records it as applied
 * in one step.
 *
 * Adapters: `RedisKeyValueStore` (ioredis; distributed mode; `commit` is one Lua script that
 * validates the batch, then applies it) and `MemoryKeyValueStore` (standalone mode and unit tests;
 * injectable clock). `createKeyValueStore(config)` picks one from the app's config and, for Redis,
 * connects before returning. Both pass one contract suite (src/testing/key-value-store-contract.ts),
 * in memory and against a real Redis. Failures are `KeyValueStoreError` with a string `code`.
 */
export * from './key-value-store.port';
export * from './key-value-store.error';
export * from './memory-key-value-store.adapter';
export * from './redis-key-value-store.adapter';
export * from './key-value-store.factory';
