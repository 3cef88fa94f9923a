import { describe, expect, it } from 'vitest';
import { ItemId } from '@cohort/contracts';
import { RecommendationsService } from './recommendations.service';
import { RecommendationServingErrorCode } from './recommendation-serving.error';
import { ServingModel } from './serving-model';

const ids = ['a', 'b', 'c', 'd'].map((id) => ItemId.parse(id));

describe('RecommendationsService', () => {
  it('answers 503-kind before any model is in production', () => {
    const service = new RecommendationsService(new ServingModel());
    expect(() => service.recommend({ context: { recentItemIds: [] }, limit: 2 })).toThrow(expect.objectContaining({ code: RecommendationServingErrorCode.NoModelLoaded }));
  });

  it('ranks by model probability, skips recently seen items, ignores unknown ones', () => {
    const model = new ServingModel();
    model.load('plan-a:v3', { epsilon: null, delta: null }, { format: 'item-popularity-v1', itemIds: ids, logits: [0, Math.log(3), Math.log(2), Math.log(4)] });
    const answer = new RecommendationsService(model).recommend({ context: { recentItemIds: [ItemId.parse('d'), ItemId.parse('zz')] }, limit: 2 });
    // softmax([0, ln3, ln2, ln4]) = [1, 3, 2, 4] / 10; 'd' was just seen
    expect(answer.modelVersion).toBe('plan-a:v3');
    expect(answer.items.map((i) => i.itemId)).toEqual(['b', 'c']);
    expect(answer.items[0].score).toBeCloseTo(0.3, 12);
  });

  it('swaps the whole snapshot on a new version', () => {
    const model = new ServingModel();
    const service = new RecommendationsService(model);
    model.load('v1', { epsilon: null, delta: null }, { format: 'item-popularity-v1', itemIds: ids, logits: [5, 0, 0, 0] });
    model.load('v2', { epsilon: 1.5, delta: 1e-6 }, { format: 'item-popularity-v1', itemIds: ids, logits: [0, 0, 0, 5] });
    const answer = service.recommend({ context: { recentItemIds: [] }, limit: 1 });
    expect(answer).toMatchObject({ modelVersion: 'v2', privacy: { epsilon: 1.5, delta: 1e-6 }, items: [{ itemId: 'd' }] });
  });
});

describe('ServingModel privacy guarantees', () => {
  const artifact = { format: 'item-popularity-v1' as const, itemIds: ids, logits: [0, 0, 0, 0] };

  it('fills the served version when its guarantee arrives after the promotion', () => {
    const model = new ServingModel();
    const service = new RecommendationsService(model);
    model.load('plan-a:v1', { epsilon: null, delta: null }, artifact);
    model.setPrivacy('plan-a:v0', { epsilon: 9, delta: 1e-6 }); // another version: the answer does not change
    expect(service.recommend({ context: { recentItemIds: [] }, limit: 1 }).privacy).toEqual({ epsilon: null, delta: null });
    model.setPrivacy('plan-a:v1', { epsilon: 2.5, delta: 1e-6 });
    expect(service.recommend({ context: { recentItemIds: [] }, limit: 1 })).toMatchObject({ modelVersion: 'plan-a:v1', privacy: { epsilon: 2.5, delta: 1e-6 } });
  });

  it('holds a guarantee that arrives first until its version is loaded', () => {
    const model = new ServingModel();
    model.setPrivacy('plan-a:v2', { epsilon: 3, delta: 1e-6 });
    model.load('plan-a:v1', { epsilon: null, delta: null }, artifact);
    expect(model.current()!.privacy).toEqual({ epsilon: null, delta: null });
    model.load('plan-a:v2', { epsilon: null, delta: null }, artifact);
    expect(model.current()!.privacy).toEqual({ epsilon: 3, delta: 1e-6 });
  });
});
