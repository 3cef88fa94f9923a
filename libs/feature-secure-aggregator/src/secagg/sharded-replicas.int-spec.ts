/**
 * Sharding across two secure-aggregator replicas sharing the real Redis server: a cohort of ten is
 * split into two groups, each device is sent to its group's replica, each replica sums its group's
 * masked inputs, and the round releases the exact total (one device drops out on the way).
 */
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus } from '@cohort/bus';
import { RedisKeyValueStore } from '@cohort/state';
import { exactUpdate, openRound, outcomeOf, participate, readSum, registerDevices, startAggregator, type Aggregator } from './aggregator-harness.testing';

const redisUrl = `${process.env.COHORT_REDIS_URL ?? 'redis://127.0.0.1:6379'}/7`;
const DIMENSION = 32;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const store = () => new RedisKeyValueStore({ url: redisUrl, keyPrefix: 'cohort:secure-aggregator:' });

describe('SecAgg+ sharded over two replicas on Redis', () => {
  const bus = new EmbeddedEventBus();
  const blobs = new MemoryBlobStore();
  const replicas: Aggregator[] = [];

  beforeAll(async () => {
    const admin = new Redis(redisUrl);
    await admin.flushdb();
    await admin.quit();
    const ports = [await freePort(), await freePort()];
    const replicaUrls = ports.map((port) => `http://127.0.0.1:${port}`);
    for (const [index, port] of ports.entries()) {
      replicas.push(await startAggregator({ store: store(), bus, blobs, port, options: { maxGroupSize: 5, replicaUrls, replicaIndex: index, dropoutFraction: 0.5, corruptFraction: 0 } }));
    }
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.close();
  });

  it('runs one group per replica and releases the exact sum of both groups', async () => {
    const devices = await registerDevices(bus, 10, 'shard');
    const { payload, task } = await openRound(bus, devices.map((d) => d.clientId), { dimension: DIMENSION, minSurvivors: 5 });
    const outcome = await outcomeOf(bus, payload.roundId, 'test.sharded');
    const updates = devices.map((_, i) => exactUpdate(DIMENSION, 100 + i));
    // Every device starts at replica 0; the session view sends it on to its group's replica.
    const results = await Promise.all(devices.map((d, i) => participate(replicas[0]!.url, d, task, updates[i]!, i === 0 ? 'MaskedInput' : undefined)));
    expect(results.map((r) => r.outcome)).toEqual(['dropped', ...Array<string>(9).fill('contributed')]);
    const groups = new Set(results.flatMap((r) => (r.outcome === 'contributed' ? [r.group] : [])));
    expect([...groups].sort()).toEqual([0, 1]);

    const result = await outcome();
    if (!('ready' in result)) throw new Error(`aborted: ${result.aborted.reason}`);
    expect(result.ready.contributors).toBe(9);
    const expected = new Float64Array(DIMENSION);
    for (const u of updates.slice(1)) for (let i = 0; i < DIMENSION; i++) expected[i] += u[i]!;
    expect(await readSum(blobs, result.ready)).toEqual(Float32Array.from(expected));

    // Each replica took the stage messages (masked inputs included) of its own group.
    for (const replica of replicas) {
      const metrics = await (await fetch(`${replica.url}/metrics`)).text();
      expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/v1\/rounds\/:roundId\/secagg\/:stage",status="202"[^}]*\} [1-9]/);
    }
  }, 60_000);
});
