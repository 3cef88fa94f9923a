import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOB_STORE, type BlobStore, FileSystemBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus, EVENT_BUS, type EventBus } from '@cohort/bus';
import { KEY_VALUE_STORE, type KeyValueStore, MemoryKeyValueStore } from '@cohort/state';
import { startTestApp, type TestApp } from '../common/test-app.fixture';
import { commonConfigSchema } from '../config/common-config.schema';
import { parseConfig } from '../config/config.parser';
import { CohortInfrastructureModule, type InfrastructureFactories } from './cohort-infrastructure.module';

describe('CohortInfrastructureModule in standalone mode (real adapters)', () => {
  let t: TestApp;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cohort-blobs-'));
    const config = parseConfig(commonConfigSchema, { COHORT_MODE: 'standalone', COHORT_BLOB_ROOT: root });
    t = await startTestApp({ imports: [CohortInfrastructureModule.forRoot(config)] });
  });
  afterAll(async () => {
    await t.close();
    await rm(root, { recursive: true, force: true });
  });

  it('provides the embedded bus, the memory store and a blob store in COHORT_BLOB_ROOT', async () => {
    expect(t.app.get<EventBus>(EVENT_BUS)).toBeInstanceOf(EmbeddedEventBus);
    expect(t.app.get<KeyValueStore>(KEY_VALUE_STORE)).toBeInstanceOf(MemoryKeyValueStore);
    const blobs = t.app.get<BlobStore>(BLOB_STORE);
    expect(blobs).toBeInstanceOf(FileSystemBlobStore);
    const ref = await blobs.put(new Uint8Array([1, 2, 3]), 'application/octet-stream');
    expect(await blobs.get(ref)).toEqual(new Uint8Array([1, 2, 3]));
    expect((await readdir(root, { recursive: true })).length).toBeGreaterThan(0);
  });

  it('has started the bus and registers no readiness checks', async () => {
    expect(await t.app.get<EventBus>(EVENT_BUS).isHealthy()).toBe(true);
    const response = await fetch(`${t.url}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: {} });
  });
});

describe('CohortInfrastructureModule in distributed mode (fake adapters)', () => {
  const events: string[] = [];
  const health = { kafka: true, redis: true };
  const received: Record<string, unknown> = {};

  const bus = {
    start: async () => void events.push('bus.start'),
    isHealthy: async () => health.kafka,
    close: async () => void events.push('bus.close'),
  } as unknown as EventBus;
  const store = {
    ping: async () => health.redis,
    close: async () => void events.push('store.close'),
  } as unknown as KeyValueStore;
  const factories: InfrastructureFactories = {
    createEventBus: (config) => ((received.bus = config), bus),
    createKeyValueStore: async (config) => ((received.store = config), store),
    createBlobStore: (config) => ((received.blobs = config), {} as BlobStore),
  };

  @Injectable()
  class FeatureConsumer implements OnApplicationShutdown {
    constructor(@Inject(EVENT_BUS) readonly bus: EventBus) {}
    onApplicationShutdown(): void {
      events.push('feature.shutdown');
    }
  }

  let t: TestApp;
  beforeAll(async () => {
    const config = parseConfig(commonConfigSchema, {
      COHORT_MODE: 'distributed',
      KAFKA_BROKERS: 'k0:9092,k1:9092',
      REDIS_URL: 'redis://redis:6379',
      COHORT_BLOB_ROOT: '/var/lib/cohort/blobs',
    });
    t = await startTestApp({
      env: { COHORT_MODE: 'distributed', COHORT_API_KEY: '' },
      imports: [CohortInfrastructureModule.forRoot(config, { factories })],
      providers: [FeatureConsumer],
    });
  });

  it('builds Kafka, Redis (namespaced per service) and fs adapters from the config', () => {
    expect(received.bus).toMatchObject({ kind: 'kafka', brokers: ['k0:9092', 'k1:9092'], clientId: 'fixture', producer: 'fixture' });
    expect(received.store).toEqual({ kind: 'redis', url: 'redis://redis:6379', keyPrefix: 'cohort:fixture:' });
    expect(received.blobs).toEqual({ kind: 'fs', root: '/var/lib/cohort/blobs' });
    expect(t.app.get(FeatureConsumer).bus).toBe(bus);
    expect(events).toEqual(['bus.start']);
  });

  it('registers Kafka and Redis as readiness checks', async () => {
    Object.assign(health, { kafka: true, redis: true });
    expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
    Object.assign(health, { kafka: false, redis: true });
    const response = await fetch(`${t.url}/health/ready`);
    expect(response.status).toBe(503);
    expect((await response.json()).errors).toEqual([{ field: 'kafka', message: 'check failed' }]);
  });

  it('closes the bus then the store, after the feature modules have shut down', async () => {
    await t.close();
    expect(events).toEqual(['bus.start', 'feature.shutdown', 'bus.close', 'store.close']);
  });
});
