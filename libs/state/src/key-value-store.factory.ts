/**
 * Builds the `KeyValueStore` a deployment asks for: memory in standalone mode, Redis in
 * distributed mode. The config comes from the app's parsed config (this lib reads no env).
 * Invariant: a Redis store is returned connected, so a server that is down fails the boot with
 * its address instead of failing the first request.
 */
import { MemoryKeyValueStore } from './memory-key-value-store.adapter';
import type { KeyValueStore } from './key-value-store.port';
import { RedisKeyValueStore } from './redis-key-value-store.adapter';

export type KeyValueStoreConfig =
  | {
      readonly kind: 'redis';
      readonly url: string;
      readonly keyPrefix: string;
      readonly connectTimeoutMs?: number;
      readonly onConnectionError?: (error: Error) => void;
    }
  | { readonly kind: 'memory'; readonly clock?: () => number };

export async function createKeyValueStore(config: KeyValueStoreConfig): Promise<KeyValueStore> {
  switch (config.kind) {
    case 'memory':
      return new MemoryKeyValueStore({ ...(config.clock && { clock: config.clock }) });
    case 'redis': {
      const store = new RedisKeyValueStore({
        url: config.url,
        keyPrefix: config.keyPrefix,
        ...(config.connectTimeoutMs !== undefined && { connectTimeoutMs: config.connectTimeoutMs }),
        ...(config.onConnectionError && { onConnectionError: config.onConnectionError }),
      });
      await store.connect();
      return store;
    }
    default: {
      const unknown: never = config;
      throw new Error(`unknown key-value store kind: ${JSON.stringify((unknown as { kind?: unknown }).kind)}`);
    }
  }
}
