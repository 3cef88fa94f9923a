import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus } from '@cohort/bus';
import {
  ModelVersion, ModelVersionPromoted, ModelVersionPublished, PlanId, RoundId, type AggregateReady, type Envelope, type PayloadOf,
} from '@cohort/contracts';
import { MemoryKeyValueStore } from '@cohort/state';
import { ModelVersionRepository } from './model-version.repository';
import { ModelVersionsService } from './model-versions.service';

const planId = PlanId.parse('plan-a');

describe('ModelVersionsService', () => {
  let bus: EmbeddedEventBus;
  let blobs: MemoryBlobStore;
  let service: ModelVersionsService;
  let published: Array<PayloadOf<typeof ModelVersionPublished>>;
  let promoted: Array<PayloadOf<typeof ModelVersionPromoted>>;

  beforeEach(async () => {
    bus = new EmbeddedEventBus();
    await bus.start();
    blobs = new MemoryBlobStore();
    service = new ModelVersionsService(bus, blobs, new ModelVersionRepository(new MemoryKeyValueStore()), {
      plans: [{ planId, itemIds: ['item-a', 'item-b', 'item-c'] }],
      autoPromote: true,
      serverLearningRate: 1,
    });
    published = [];
    promoted = [];
    await bus.subscribe(ModelVersionPublished, async ({ payload }) => void published.push(payload), { group: 't.published', policy: 'retry-then-dlq' });
    await bus.subscribe(ModelVersionPromoted, async ({ payload }) => void promoted.push(payload), { group: 't.promoted', policy: 'retry-then-dlq' });
    await service.onApplicationBootstrap();
  });

  afterEach(async () => {
    await bus.close();
  });

  const until = async (predicate: () => boolean) => {
    for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(predicate()).toBe(true);
  };

  async function aggregate(sum: number[], roundNumber = 1): Promise<Envelope<'AggregateReady', PayloadOf<typeof AggregateReady>>> {
    const ref = await blobs.put(new Uint8Array(Float32Array.from(sum).buffer), 'application/vnd.cohort.float32-le');
    return {
      eventId: '00000000-0000-4000-8000-000000000001', type: 'AggregateReady', eventVersion: 1, correlationId: 'r-1', occurredAt: new Date().toISOString(), producer: 'test',
      payload: {
        roundId: RoundId.parse(`r-${roundNumber}`), planId, roundNumber, baseModelVersion: ModelVersion.parse(`plan-a:v${roundNumber - 1}`),
        sum: ref, dimension: 3, contributors: 4, expectedCohortSize: 4, noiseStddev: 0, aggregation: 'plain-insecure',
      },
    } as Envelope<'AggregateReady', PayloadOf<typeof AggregateReady>>;
  }

  it('publishes and promotes an all-zero initial version once', async () => {
    await service.onApplicationBootstrap(); // a restart finds v0 and does nothing
    await until(() => promoted.length === 1);
    expect(published.map((p) => p.modelVersion)).toEqual(['plan-a:v0']);
    expect(await service.artifact(ModelVersion.parse('plan-a:v0'))).toEqual({ format: 'item-popularity-v1', itemIds: ['item-a', 'item-b', 'item-c'], logits: [0, 0, 0] });
  });

  it('applies FedAvg with the expected cohort size as denominator, once per round', async () => {
    const event = await aggregate([2, -1, 0.5]);
    await service.applyAggregate(event);
    await service.applyAggregate(event); // redelivered
    await until(() => published.length === 2);
    // logits = 0 + [2, -1, 0.5] / 4
    expect((await service.artifact(ModelVersion.parse('plan-a:v1'))).logits).toEqual([0.5, -0.25, 0.125]);
    expect(published[1]).toMatchObject({ modelVersion: 'plan-a:v1', roundId: 'r-1', baseVersion: 'plan-a:v0', contributors: 4, dimension: 3 });
    await until(() => promoted.length === 2);
    expect(promoted[1]).toMatchObject({ modelVersion: 'plan-a:v1', stage: 'production', privacy: { epsilon: null, delta: null } });
    await new Promise((r) => setTimeout(r, 30));
    expect(published).toHaveLength(2);
  });

  it('refuses an aggregate whose base version it does not have', async () => {
    await expect(service.applyAggregate(await aggregate([1, 1, 1], 5))).rejects.toThrow(/does not have/);
  });
});
