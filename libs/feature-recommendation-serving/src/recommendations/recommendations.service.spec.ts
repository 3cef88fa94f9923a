import { describe, expect, it } from 'vitest';
import { ItemId, ModelVersion, PlanId, TwoTowerModelManifest, type TwoTowerConfig } from '@cohort/contracts';
import { CatalogRanker, TwoTowerModel, catalogItemInputs, seededRandom, twoTowerLayout } from '@cohort/ml';
import { RecommendationsService } from './recommendations.service';
import { RecommendationServingErrorCode } from './recommendation-serving.error';
import { ServingModel } from './serving-model';

const itemIds = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ItemId.parse(id));
const config: TwoTowerConfig = { contentDim: 0, idBuckets: 16, embeddingDim: 4, hiddenDim: 3, poolingDecay: 0.9, recencyDecay: 0.7 };
const layout = twoTowerLayout(config);
const digest = '0'.repeat(64);

function manifest(version: string): TwoTowerModelManifest {
  return TwoTowerModelManifest.parse({
    format: 'two-tower-v1', modelVersion: ModelVersion.parse(version), planId: PlanId.parse('plan-a'), config,
    training: { epochs: 1, learningRate: 0.1, negatives: 4, loss: 'bpr', reconstructionEpochs: 0, privateLearningRate: 0.1, privateL2: 0, maxExamplesPerEpoch: 4 },
    itemIds, dimension: layout.size, parameters: { path: '/p', bytes: layout.size * 4, sha256: digest }, content: null,
  });
}

function params(seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: layout.size }, () => random() - 0.5);
}

describe('RecommendationsService', () => {
  it('answers 503-kind before any model is in production', () => {
    const service = new RecommendationsService(new ServingModel());
    expect(() => service.recommend({ context: { recentItemIds: [] }, limit: 2 })).toThrow(expect.objectContaining({ code: RecommendationServingErrorCode.NoModelLoaded }));
  });

  it('ranks by the two-tower score of the context, skipping the context items and ignoring unknown ones', () => {
    const model = new ServingModel();
    const weights = params(3);
    model.load(manifest('plan-a:v3'), { epsilon: 2, delta: 1e-6 }, weights);
    const answer = new RecommendationsService(model).recommend({ context: { recentItemIds: [ItemId.parse('b'), ItemId.parse('zz')] }, limit: 3 });
    // The same ranking straight from @cohort/ml: the context is one order holding item 1 ('b').
    const ranker = new CatalogRanker(new TwoTowerModel(layout), weights, catalogItemInputs(config, itemIds));
    const scores = ranker.scoreCatalog([[1]], null);
    const expected = [0, 2, 3, 4, 5].sort((x, y) => scores[y]! - scores[x]! || x - y).slice(0, 3);
    expect(answer).toMatchObject({ modelVersion: 'plan-a:v3', privacy: { epsilon: 2, delta: 1e-6 } });
    expect(answer.items.map((i) => i.itemId)).toEqual(expected.map((i) => itemIds[i]));
    expect(answer.items.map((i) => i.score)).toEqual(expected.map((i) => scores[i]));
  });

  it('swaps the whole snapshot on a new version', () => {
    const model = new ServingModel();
    const service = new RecommendationsService(model);
    model.load(manifest('plan-a:v1'), { epsilon: 1, delta: 1e-6 }, params(1));
    const before = service.recommend({ context: { recentItemIds: [ItemId.parse('a')] }, limit: 5 });
    model.load(manifest('plan-a:v2'), { epsilon: 1.5, delta: 1e-6 }, params(2));
    const after = service.recommend({ context: { recentItemIds: [ItemId.parse('a')] }, limit: 5 });
    expect(after).toMatchObject({ modelVersion: 'plan-a:v2', privacy: { epsilon: 1.5, delta: 1e-6 } });
    expect(after.items.map((i) => i.score)).not.toEqual(before.items.map((i) => i.score));
  });
});
