import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus } from '@cohort/bus';
import {
  AggregateReady, AggregationAborted, ClientId, ModelVersion, PlanId, RoundId, RoundOpened, type PayloadOf,
} from '@cohort/contracts';
import { MemoryKeyValueStore } from '@cohort/state';
import { AggregationSessionRepository } from './aggregation-session.repository';
import { PlainSumAggregatorService } from './plain-sum-aggregator.service';
import { SecureAggregatorErrorCode } from './secure-aggregator.error';

const roundId = RoundId.parse('r-1');
const cohort = ['c-1', 'c-2', 'c-3'].map((c) => ClientId.parse(c));

function roundOpened(overrides: Partial<PayloadOf<typeof RoundOpened>> = {}): PayloadOf<typeof RoundOpened> {
  return {
    roundId, planId: PlanId.parse('plan-a'), roundNumber: 1, baseModelVersion: ModelVersion.parse('plan-a:v0'), dimension: 3,
    mechanism: { kind: 'dp-fedavg-gaussian', samplingRate: 0.5, noiseMultiplier: 0, clipNorm: 1, populationSize: 6 },
    cohort, expectedCohortSize: 3, minSurvivors: 2, aggregation: 'plain-insecure', localLearningRate: 1,
    uploadDeadline: new Date(Date.now() + 60_000).toISOString(),
    ...overrides,
  };
}

describe('PlainSumAggregatorService', () => {
  let bus: EmbeddedEventBus;
  let blobs: MemoryBlobStore;
  let aggregator: PlainSumAggregatorService;
  let ready: Array<PayloadOf<typeof AggregateReady>>;
  let aborted: Array<PayloadOf<typeof AggregationAborted>>;

  beforeEach(async () => {
    bus = new EmbeddedEventBus();
    await bus.start();
    blobs = new MemoryBlobStore();
    aggregator = new PlainSumAggregatorService(bus, blobs, new AggregationSessionRepository(new MemoryKeyValueStore()), { environment: 'development', deadlineSweepMs: 20 });
    await aggregator.onModuleInit();
    ready = [];
    aborted = [];
    await bus.subscribe(AggregateReady, async ({ payload }) => void ready.push(payload), { group: 'test.ready', policy: 'retry-then-dlq' });
    await bus.subscribe(AggregationAborted, async ({ payload }) => void aborted.push(payload), { group: 'test.aborted', policy: 'retry-then-dlq' });
  });

  afterEach(async () => {
    await aggregator.onModuleDestroy();
    await bus.close();
  });

  const open = async (overrides: Partial<PayloadOf<typeof RoundOpened>> = {}) => {
    await bus.publish(RoundOpened, roundOpened(overrides));
    for (let i = 0; i < 100 && !(await aggregator.hasSession(roundId)); i++) await new Promise((r) => setTimeout(r, 5));
  };
  const until = async (predicate: () => boolean) => {
    for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(predicate()).toBe(true);
  };
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: { code?: string }) => error.code);

  it('releases the exact sum once every cohort member has sent its update (z = 0)', async () => {
    await open();
    await aggregator.acceptUpdate(roundId, cohort[0], Float32Array.of(0.5, 0, 0));
    await aggregator.acceptUpdate(roundId, cohort[1], Float32Array.of(0, 0.25, -0.5));
    await aggregator.acceptUpdate(roundId, cohort[2], Float32Array.of(0.125, 0.25, 0));
    await until(() => ready.length === 1);
    expect(ready[0]).toMatchObject({ roundId, contributors: 3, dimension: 3, noiseStddev: 0, aggregation: 'plain-insecure', roundNumber: 1 });
    const sum = new Float32Array((await blobs.get(ready[0].sum)).slice().buffer);
    expect(Array.from(sum)).toEqual([0.625, 0.5, -0.5]);
  });

  it('adds noise of standard deviation z·C to the released sum', async () => {
    await open({ dimension: 2000, mechanism: { kind: 'dp-fedavg-gaussian', samplingRate: 0.5, noiseMultiplier: 2, clipNorm: 0.5, populationSize: 6 }, cohort: [cohort[0]], minSurvivors: 1 });
    await aggregator.acceptUpdate(roundId, cohort[0], new Float32Array(2000));
    await until(() => ready.length === 1);
    expect(ready[0].noiseStddev).toBe(1);
    const sum = new Float32Array((await blobs.get(ready[0].sum)).slice().buffer);
    const variance = sum.reduce((acc, x) => acc + x * x, 0) / sum.length;
    // the sample variance of 2000 N(0,1) draws is within ±0.2 of 1 with overwhelming probability
    expect(variance).toBeGreaterThan(0.8);
    expect(variance).toBeLessThan(1.2);
  });

  it('refuses wrong lengths, non-finite values, oversized norms, outsiders, duplicates and unknown rounds', async () => {
    await open();
    expect(await rejection(aggregator.acceptUpdate(roundId, cohort[0], Float32Array.of(0, 0)))).toBe(SecureAggregatorErrorCode.WrongLength);
    expect(await rejection(aggregator.acceptUpdate(roundId, cohort[0], Float32Array.of(NaN, 0, 0)))).toBe(SecureAggregatorErrorCode.NotFinite);
    expect(await rejection(aggregator.acceptUpdate(roundId, cohort[0], Float32Array.of(1, 1, 0)))).toBe(SecureAggregatorErrorCode.NormTooLarge);
    expect(await rejection(aggregator.acceptUpdate(roundId, ClientId.parse('c-9'), Float32Array.of(0, 0, 0)))).toBe(SecureAggregatorErrorCode.NotInCohort);
    expect(await rejection(aggregator.acceptUpdate(RoundId.parse('r-unknown'), cohort[0], Float32Array.of(0, 0, 0)))).toBe(SecureAggregatorErrorCode.RoundNotFound);
    await aggregator.acceptUpdate(roundId, cohort[0], Float32Array.of(0.1, 0, 0));
    expect(await rejection(aggregator.acceptUpdate(roundId, cohort[0], Float32Array.of(0.1, 0, 0)))).toBe(SecureAggregatorErrorCode.DuplicateUpdate);
    // the session is unharmed: the others complete the round
    await aggregator.acceptUpdate(roundId, cohort[1], Float32Array.of(0.1, 0, 0));
    await aggregator.acceptUpdate(roundId, cohort[2], Float32Array.of(0.1, 0, 0));
    await until(() => ready.length === 1);
    expect(ready[0].contributors).toBe(3);
  });

  it('releases at the deadline with enough survivors, and then takes no more updates', async () => {
    await open({ uploadDeadline: new Date(Date.now() + 150).toISOString() });
    await aggregator.acceptUpdate(roundId, cohort[0], Float32Array.of(0.1, 0, 0));
    await aggregator.acceptUpdate(roundId, cohort[1], Float32Array.of(0.1, 0, 0));
    await until(() => ready.length === 1);
    expect(ready[0].contributors).toBe(2);
    expect(await rejection(aggregator.acceptUpdate(roundId, cohort[2], Float32Array.of(0.1, 0, 0)))).toBe(SecureAggregatorErrorCode.RoundClosed);
  });

  it('aborts and releases nothing when fewer than minSurvivors answered by the deadline', async () => {
    await open({ uploadDeadline: new Date(Date.now() + 100).toISOString() });
    await aggregator.acceptUpdate(roundId, cohort[0], Float32Array.of(0.1, 0, 0));
    await until(() => aborted.length === 1);
    expect(aborted[0]).toMatchObject({ roundId, survivors: 1, required: 2 });
    expect(ready).toHaveLength(0);
  });

  it('refuses to start in production', async () => {
    const production = new PlainSumAggregatorService(bus, blobs, new AggregationSessionRepository(new MemoryKeyValueStore()), { environment: 'production', deadlineSweepMs: 20 });
    await expect(production.onModuleInit()).rejects.toThrow(/refuses to run with COHORT_ENV=production/);
  });
});
