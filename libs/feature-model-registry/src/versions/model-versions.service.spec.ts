import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus } from '@cohort/bus';
import {
  ClientId, ItemId, ModelVersion, ModelVersionPromoted, ModelVersionPublished, PlanId, RoundId,
  type AggregateReady, type Envelope, type ModelPrivacyComputed, type PayloadOf, type ServerOptimizer, type TwoTowerConfig,
} from '@cohort/contracts';
import { applyServerStep, initProjectionFromContent, initTwoTowerParameters, twoTowerLayout } from '@cohort/ml';
import { MemoryKeyValueStore } from '@cohort/state';
import { ModelRegistryErrorCode } from './model-registry.error';
import { ModelVersionRepository } from './model-version.repository';
import { CatalogEmbeddingRepository } from '../catalog/catalog-embedding.repository';
import { CatalogEmbeddingsService } from '../catalog/catalog-embeddings.service';
import type { ModelRegistryOptions, PlanModel } from '../model-registry.options';
import { ModelVersionsService } from './model-versions.service';

const planId = PlanId.parse('plan-a');
const config: TwoTowerConfig = { contentDim: 0, idBuckets: 8, embeddingDim: 2, hiddenDim: 2, poolingDecay: 0.9, recencyDecay: 0.7 };
const dimension = twoTowerLayout(config).size;
const training = { epochs: 1, learningRate: 0.1, negatives: 4, loss: 'bpr' as const, reconstructionEpochs: 1, privateLearningRate: 0.1, privateL2: 0.1, maxExamplesPerEpoch: 4 };
const v = (n: number) => ModelVersion.parse(`plan-a:v${n}`);

/** A registry over `store` (a restart is a new one over the same store and blobs). */
function registryOf(bus: EmbeddedEventBus, blobs: MemoryBlobStore, plans: readonly PlanModel[], autoPromote = true, store = new MemoryKeyValueStore()) {
  const options: ModelRegistryOptions = { plans, autoPromote, catalogEmbeddingDim: 4 };
  const catalog = new CatalogEmbeddingsService(new CatalogEmbeddingRepository(store), options);
  return { catalog, service: new ModelVersionsService(bus, blobs, new ModelVersionRepository(store), catalog, options) };
}

describe('ModelVersionsService', () => {
  let bus: EmbeddedEventBus;
  let blobs: MemoryBlobStore;
  let published: Array<PayloadOf<typeof ModelVersionPublished>>;
  let promoted: Array<PayloadOf<typeof ModelVersionPromoted>>;

  async function start(optimizer: ServerOptimizer, autoPromote = true): Promise<ModelVersionsService> {
    const plan: PlanModel = { planId, itemIds: ['item-a', 'item-b', 'item-c'], config, training, optimizer, seed: 5 };
    const { service } = registryOf(bus, blobs, [plan], autoPromote);
    await service.onApplicationBootstrap();
    return service;
  }

  beforeEach(async () => {
    bus = new EmbeddedEventBus();
    await bus.start();
    blobs = new MemoryBlobStore();
    published = [];
    promoted = [];
    await bus.subscribe(ModelVersionPublished, async ({ payload }) => void published.push(payload), { group: 't.published', policy: 'retry-then-dlq' });
    await bus.subscribe(ModelVersionPromoted, async ({ payload }) => void promoted.push(payload), { group: 't.promoted', policy: 'retry-then-dlq' });
  });

  afterEach(async () => {
    await bus.close();
  });

  const until = async (predicate: () => boolean) => {
    for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(predicate()).toBe(true);
  };
  const floats = (bytes: Uint8Array) => new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

  async function aggregate(sum: Float32Array, roundNumber = 1): Promise<Envelope<'AggregateReady', PayloadOf<typeof AggregateReady>>> {
    const ref = await blobs.put(new Uint8Array(sum.buffer), 'application/vnd.cohort.float32-le');
    return {
      eventId: '00000000-0000-4000-8000-000000000001', type: 'AggregateReady', eventVersion: 1, correlationId: 'r-1', occurredAt: new Date().toISOString(), producer: 'test',
      payload: {
        roundId: RoundId.parse(`r-${roundNumber}`), planId, roundNumber, baseModelVersion: v(roundNumber - 1),
        sum: ref, dimension: sum.length, contributors: 4, expectedCohortSize: 4, noiseStddev: 0.5, aggregation: 'secagg-plus',
      },
    } as Envelope<'AggregateReady', PayloadOf<typeof AggregateReady>>;
  }

  const charged = (version: ModelVersion, epsilon: number): PayloadOf<typeof ModelPrivacyComputed> => ({
    modelVersion: version, planId, roundId: RoundId.parse('r-1'), sequence: 1, rounds: 1, epsilon, delta: 1e-6,
    accountant: 'rdp', epsilonRdp: epsilon, epsilonPld: null, computedAt: new Date().toISOString(),
  });

  it('publishes the seeded initial version once and serves it with a guarantee of (0, 0)', async () => {
    const service = await start({ kind: 'fedavg', learningRate: 1 });
    await service.onApplicationBootstrap(); // a restart finds v0 and does nothing
    await until(() => promoted.length === 1);
    expect(published.map((p) => p.modelVersion)).toEqual(['plan-a:v0']);
    expect(promoted[0]).toMatchObject({ modelVersion: 'plan-a:v0', stage: 'production', privacy: { epsilon: 0, delta: 0 } });
    const manifest = await service.manifest(v(0));
    expect(manifest).toMatchObject({ format: 'two-tower-v1', itemIds: ['item-a', 'item-b', 'item-c'], dimension, content: null, config, training });
    expect(manifest.parameters).toMatchObject({ path: '/v1/models/plan-a%3Av0/parameters', bytes: dimension * 4 });
    expect(floats(await service.parameters(v(0)))).toEqual(initTwoTowerParameters(twoTowerLayout(config), 5));
  });

  it('applies FedAvg with the expected cohort size as denominator, once per round', async () => {
    const service = await start({ kind: 'fedavg', learningRate: 2 });
    const sum = Float32Array.from({ length: dimension }, (_, i) => (i % 5) - 2);
    const event = await aggregate(sum);
    await service.applyAggregate(event);
    await service.applyAggregate(event); // redelivered
    await until(() => published.length === 2);
    const before = floats(await service.parameters(v(0)));
    // v1 = v0 + 2 · sum / 4
    expect(floats(await service.parameters(v(1)))).toEqual(before.map((x, i) => Math.fround(x + (2 * sum[i]!) / 4)));
    expect(published[1]).toMatchObject({ modelVersion: 'plan-a:v1', roundId: 'r-1', baseVersion: 'plan-a:v0', contributors: 4, dimension });
    expect(await service.find(v(1))).toMatchObject({ noiseStddev: 0.5, expectedCohortSize: 4, privacy: null, stage: 'candidate' });
    await new Promise((r) => setTimeout(r, 30));
    expect(published).toHaveLength(2);
  });

  it('promotes a version only after its round was charged, with the accountant\'s guarantee', async () => {
    const service = await start({ kind: 'fedavg', learningRate: 1 });
    await service.applyAggregate(await aggregate(new Float32Array(dimension).fill(0.1)));
    await until(() => promoted.length === 1); // v0 only
    await expect(service.promote(await service.find(v(1)), 'production')).rejects.toMatchObject({ code: ModelRegistryErrorCode.VersionNotCharged });
    await service.recordPrivacy(charged(v(1), 2.5));
    await service.recordPrivacy(charged(v(1), 2.5)); // redelivered: promoted once
    await until(() => promoted.length === 2);
    const record = await service.find(v(1));
    expect(promoted[1]).toMatchObject({ modelVersion: 'plan-a:v1', stage: 'production', privacy: { epsilon: 2.5, delta: 1e-6 }, parameters: record.parameters });
    expect(record.privacy).toMatchObject({ epsilon: 2.5, delta: 1e-6, rounds: 1, accountant: 'rdp' });
    await new Promise((r) => setTimeout(r, 30));
    expect(promoted).toHaveLength(2);
  });

  it('carries FedAdam\'s moments from version to version', async () => {
    const optimizer: ServerOptimizer = { kind: 'fedadam', learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3 };
    const service = await start(optimizer);
    const first = Float32Array.from({ length: dimension }, (_, i) => (i % 3) - 1);
    const second = Float32Array.from({ length: dimension }, (_, i) => (i % 2) - 0.5);
    await service.applyAggregate(await aggregate(first, 1));
    await service.applyAggregate(await aggregate(second, 2));
    const v0 = floats(await service.parameters(v(0)));
    const one = applyServerStep(v0, { step: 0 }, first, 4, optimizer);
    const two = applyServerStep(one.params, one.state, second, 4, optimizer);
    expect(floats(await service.parameters(v(2)))).toEqual(two.params);
    expect(await service.find(v(2))).toMatchObject({ optimizerStep: 2 });
  });

  it('adds up held-out devices\' evaluations, once per device', async () => {
    const service = await start({ kind: 'fedavg', learningRate: 1 });
    const device = (n: number) => ClientId.parse(`c-${n}`);
    await service.addEvaluation(v(0), device(1), { users: 1, hr10: 1, ndcg10: 0.5, recall20: 0.25, ndcg20: 0.3 });
    const sums = await service.addEvaluation(v(0), device(2), { users: 1, hr10: 0, ndcg10: 0, recall20: 0.5, ndcg20: 0.1 });
    expect(sums).toEqual({ users: 2, hr10: 1, ndcg10: 0.5, recall20: 0.75, ndcg20: expect.closeTo(0.4, 9) });
    await expect(service.addEvaluation(v(0), device(1), { users: 1, hr10: 1, ndcg10: 1, recall20: 1, ndcg20: 1 })).rejects.toMatchObject({ code: ModelRegistryErrorCode.EvaluationAlreadyReported });
    expect((await service.evaluation(v(0))).users).toBe(2);
  });

  it('serves a content plan\'s embeddings with every version, and refuses content of the wrong size', async () => {
    const contentConfig: TwoTowerConfig = { ...config, contentDim: 2 };
    const content = Float32Array.of(1, 0, 0, 1, 0.5, 0.5);
    const plan: PlanModel = { planId, itemIds: ['item-a', 'item-b', 'item-c'], config: contentConfig, training, optimizer: { kind: 'fedavg', learningRate: 1 }, seed: 5, content };
    const { service } = registryOf(bus, blobs, [plan]);
    await service.onApplicationBootstrap();
    // v0's projection is the catalog content's principal directions, not the seeded random start.
    const expected = initTwoTowerParameters(twoTowerLayout(contentConfig), 5);
    initProjectionFromContent(twoTowerLayout(contentConfig), expected, content, 5);
    expect(floats(await service.parameters(v(0)))).toEqual(expected);
    expect(expected).not.toEqual(initTwoTowerParameters(twoTowerLayout(contentConfig), 5));
    await service.applyAggregate(await aggregate(new Float32Array(twoTowerLayout(contentConfig).size), 1));
    for (const version of [v(0), v(1)]) {
      expect((await service.manifest(version)).content).toMatchObject({ path: `/v1/models/${encodeURIComponent(version)}/content`, bytes: 24 });
      expect(floats(await service.content(version))).toEqual(content);
    }
    expect(() => registryOf(bus, blobs, [{ ...plan, content: content.subarray(1) }]))
      .toThrow(/needs 3 × 2 content values; got 5/);
  });

  it('gives a plan defined on the scheduler its initial version with the plan\'s choices, and steps it with its optimizer', async () => {
    const service = await start({ kind: 'fedadam', learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3 });
    const ops = PlanId.parse('plan-ops');
    const opsConfig: TwoTowerConfig = { ...config, idBuckets: 16, hiddenDim: 3 };
    const definition = { planId: ops, model: opsConfig, training: { epochs: 3, learningRate: 0.05 }, serverOptimizer: { kind: 'fedavg' as const, learningRate: 2 }, definedAt: new Date().toISOString() };
    await service.definePlan(definition);
    await service.definePlan(definition); // redelivered: one initial version
    await until(() => published.some((p) => p.modelVersion === 'plan-ops:v0'));
    const v0 = ModelVersion.parse('plan-ops:v0');
    // the configured plan's catalog and seed, the defined architecture, training overridden where given
    expect(await service.manifest(v0)).toMatchObject({ planId: 'plan-ops', itemIds: ['item-a', 'item-b', 'item-c'], config: opsConfig, training: { ...training, epochs: 3, learningRate: 0.05 } });
    expect(floats(await service.parameters(v0))).toEqual(initTwoTowerParameters(twoTowerLayout(opsConfig), 5));
    // FedAvg at learning rate 2, as defined (the configured plan runs FedAdam): v1 = v0 + 2 · sum / 4
    const size = twoTowerLayout(opsConfig).size;
    const sum = Float32Array.from({ length: size }, (_, i) => (i % 3) - 1);
    const base = await aggregate(sum, 1);
    await service.applyAggregate({ ...base, payload: { ...base.payload, planId: ops, baseModelVersion: v0 } });
    const before = floats(await service.parameters(v0));
    expect(floats(await service.parameters(ModelVersion.parse('plan-ops:v1')))).toEqual(before.map((x, i) => Math.fround(x + (2 * sum[i]!) / 4)));
    await until(() => published.filter((p) => p.planId === 'plan-ops').length === 2);
    expect(published.filter((p) => p.planId === 'plan-ops').map((p) => p.modelVersion)).toEqual(['plan-ops:v0', 'plan-ops:v1']);
    // a new architecture for the same plan is refused; a definition of the configured plan changes nothing
    await expect(service.definePlan({ ...definition, model: { ...opsConfig, hiddenDim: 4 } })).rejects.toMatchObject({ code: ModelRegistryErrorCode.ArchitectureChanged });
    await service.definePlan({ ...definition, planId });
    expect((await service.manifest(v(0))).config).toEqual(config);
    // content the registry's catalog does not have cannot be trained
    await expect(service.definePlan({ ...definition, planId: PlanId.parse('plan-content'), model: { ...opsConfig, contentDim: 4 } })).rejects.toMatchObject({ code: ModelRegistryErrorCode.PlanNotTrainable });
  });

  describe('content plans defined on the scheduler', () => {
    const contentPlan = PlanId.parse('plan-content');
    const contentConfig: TwoTowerConfig = { ...config, contentDim: 4 };
    const definition = { planId: contentPlan, model: contentConfig, training: {}, definedAt: new Date().toISOString() };
    const template: PlanModel = { planId, itemIds: ['item-a', 'item-b', 'item-c'], config, training, optimizer: { kind: 'fedavg', learningRate: 1 }, seed: 5 };
    const embed = (itemId: string, encoderVersion: string, embedding: number[]) => ({ itemId: ItemId.parse(itemId), encoderVersion, embedding });
    const cv = (n: number) => ModelVersion.parse(`plan-content:v${n}`);

    it('trains on the embedded catalog as it was when first defined, sorted by item id, and rebuilds it after a restart', async () => {
      const store = new MemoryKeyValueStore();
      const { service, catalog } = registryOf(bus, blobs, [template], true, store);
      await service.onApplicationBootstrap();
      await catalog.record(embed('sku-b', 'enc-1', [0, 1, 0, 0]));
      await catalog.record(embed('sku-c', 'enc-1', [0, 0, 1, 0.5]));
      await catalog.record(embed('sku-a', 'enc-1', [1, 0, 0, 0]));
      await service.definePlan(definition);
      // rows in manifest order: sku-a, sku-b, sku-c
      const content = Float32Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.5);
      const manifest = await service.manifest(cv(0));
      expect(manifest).toMatchObject({ planId: 'plan-content', itemIds: ['sku-a', 'sku-b', 'sku-c'], config: contentConfig, content: { path: '/v1/models/plan-content%3Av0/content', bytes: 48 } });
      expect(floats(await service.content(cv(0)))).toEqual(content);
      const expected = initTwoTowerParameters(twoTowerLayout(contentConfig), 5);
      initProjectionFromContent(twoTowerLayout(contentConfig), expected, content, 5);
      expect(floats(await service.parameters(cv(0)))).toEqual(expected);

      // items embedded later, and redefinitions, leave the plan's catalog as it was
      await catalog.record(embed('sku-0', 'enc-1', [0, 0, 0, 1]));
      await service.definePlan({ ...definition, training: { epochs: 2 } });
      expect((await service.manifest(cv(0))).itemIds).toEqual(['sku-a', 'sku-b', 'sku-c']);

      // a restart rebuilds the same plan from the stored definition: v1 carries the same catalog
      const restarted = registryOf(bus, blobs, [template], true, store).service;
      const base = await aggregate(new Float32Array(twoTowerLayout(contentConfig).size).fill(0.25), 1);
      await restarted.applyAggregate({ ...base, payload: { ...base.payload, planId: contentPlan, baseModelVersion: cv(0) } });
      expect(await restarted.manifest(cv(1))).toMatchObject({ itemIds: ['sku-a', 'sku-b', 'sku-c'], config: contentConfig, training: { ...training, epochs: 2 }, content: { sha256: manifest.content!.sha256 } });
      expect(floats(await restarted.content(cv(1)))).toEqual(content);
    });

    it('takes the items of the newest encoder version only', async () => {
      const { service, catalog } = registryOf(bus, blobs, [template]);
      await service.onApplicationBootstrap();
      await catalog.record(embed('sku-a', 'enc-1', [1, 0, 0, 0]));
      await catalog.record(embed('sku-b', 'enc-1', [0, 1, 0, 0]));
      await catalog.record(embed('sku-c', 'enc-1', [0, 0, 1, 0]));
      // enc-0 is seen after enc-1, so it is the newest, whatever its name; sku-a is re-embedded by it
      await catalog.record(embed('sku-d', 'enc-0', [0, 0, 0, 2]));
      await catalog.record(embed('sku-a', 'enc-0', [2, 0, 0, 0]));
      await service.definePlan(definition);
      expect((await service.manifest(cv(0))).itemIds).toEqual(['sku-a', 'sku-d']);
      expect(floats(await service.content(cv(0)))).toEqual(Float32Array.of(2, 0, 0, 0, 0, 0, 0, 2));
    });

    it('refuses a content plan with fewer than 2 embedded items, or of another width, and keeps the template\'s catalog for ID-only plans', async () => {
      const { service, catalog } = registryOf(bus, blobs, [template]);
      await service.onApplicationBootstrap();
      await expect(service.definePlan(definition)).rejects.toMatchObject({ code: ModelRegistryErrorCode.PlanNotTrainable, message: expect.stringMatching(/0 catalog item\(s\) are embedded; at least 2/) });
      await catalog.record(embed('sku-a', 'enc-1', [1, 0, 0, 0]));
      await expect(service.definePlan(definition)).rejects.toMatchObject({ code: ModelRegistryErrorCode.PlanNotTrainable, message: expect.stringMatching(/1 catalog item\(s\) are embedded/) });
      await catalog.record(embed('sku-b', 'enc-1', [0, 1, 0, 0]));
      await expect(service.definePlan({ ...definition, model: { ...contentConfig, contentDim: 8 } })).rejects.toMatchObject({ code: ModelRegistryErrorCode.PlanNotTrainable, message: expect.stringMatching(/width 8.*has width 4/) });
      expect(await service.list(contentPlan)).toEqual([]);
      await service.definePlan({ ...definition, model: config });
      expect(await service.manifest(cv(0))).toMatchObject({ itemIds: ['item-a', 'item-b', 'item-c'], content: null });
    });
  });

  it('refuses an aggregate whose base version it does not have', async () => {
    const service = await start({ kind: 'fedavg', learningRate: 1 });
    await expect(service.applyAggregate(await aggregate(new Float32Array(dimension), 5))).rejects.toThrow(/does not have/);
  });
});
