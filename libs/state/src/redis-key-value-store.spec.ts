/**
 * What RedisKeyValueStore does without a Redis server: option checks, and the clear error when
 * the server is not there (a closed local port). Its semantics are tested against a real server
 * in redis-key-value-store.int-spec.ts.
 */
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { KeyValueStoreError } from './key-value-store.error';
import { createKeyValueStore } from './key-value-store.factory';
import { RedisKeyValueStore } from './redis-key-value-store.adapter';

/** A local port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('RedisKeyValueStore without a server', () => {
  it('refuses options without a key prefix, or with both or neither of url and host', () => {
    const invalid = [
      { url: 'redis://127.0.0.1:6379', keyPrefix: '' },
      { url: 'redis://127.0.0.1:6379', host: '127.0.0.1', keyPrefix: 'c:' },
      { keyPrefix: 'c:' },
      { url: 'http://127.0.0.1:6379', keyPrefix: 'c:' },
      { url: 'not a url', keyPrefix: 'c:' },
      { url: 'redis://127.0.0.1:6379', keyPrefix: 'c:', connectTimeoutMs: 0 },
    ];
    for (const options of invalid) {
      expect(() => new RedisKeyValueStore(options), JSON.stringify(options)).toThrow(KeyValueStoreError);
    }
  });

  it('does not connect at construction', async () => {
    const store = new RedisKeyValueStore({ host: '127.0.0.1', port: await closedPort(), keyPrefix: 'c:' });
    expect(await store.ping()).toBe(false);
    await store.close();
  });

  it('connect() rejects with unavailable, naming the address but not the password', async () => {
    const port = await closedPort();
    const store = new RedisKeyValueStore({ url: `redis://user:s3cret@127.0.0.1:${port}`, keyPrefix: 'c:', connectTimeoutMs: 1000 });
    const error = await store.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KeyValueStoreError);
    expect((error as KeyValueStoreError).code).toBe('unavailable');
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).not.toContain('s3cret');
    await store.close();
  });

  it('createKeyValueStore({ kind: "redis" }) fails at once when the server is down', async () => {
    const port = await closedPort();
    await expect(
      createKeyValueStore({ kind: 'redis', url: `redis://127.0.0.1:${port}`, keyPrefix: 'c:', connectTimeoutMs: 1000 }),
    ).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('refuses bad arguments before touching the connection', async () => {
    const store = new RedisKeyValueStore({ host: '127.0.0.1', port: await closedPort(), keyPrefix: 'c:' });
    await expect(store.set('k', 'v', { ttlMs: 0 })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(store.commit([{ op: 'setAdd', key: 's', members: [] }])).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await store.close();
  });

  it('a command during an outage rejects with unavailable in bounded time instead of hanging', async () => {
    // A server that accepts every connection and drops it at once: Redis going away mid-flight.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const store = new RedisKeyValueStore({ host: '127.0.0.1', port, keyPrefix: 'c:', maxRetriesPerRequest: 2 });
    const started = Date.now();
    const error = await store.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyValueStoreError);
    expect((error as KeyValueStoreError).code).toBe('unavailable');
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(10_000);
    await store.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
