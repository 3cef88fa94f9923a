import { describe, expect, it } from 'vitest';
import type { LocalTrainingPlan, TwoTowerConfig } from '@cohort/contracts';
import { seededRandom, syntheticCatalog, syntheticOrders } from '../synthetic-population';
import { l2Norm } from '../vectors';
import { catalogItemInputs } from './catalog-ranker';
import { initTwoTowerParameters, twoTowerLayout } from './layout';
import { exampleLoss, historyExamples, reconstructPrivateVector, trainOnDevice } from './local-training';
import { TwoTowerModel } from './two-tower-model';

const catalog = syntheticCatalog(80, 8);
const config: TwoTowerConfig = { contentDim: 0, idBuckets: 128, embeddingDim: 8, hiddenDim: 8, poolingDecay: 0.9, recencyDecay: 0.7 };
const plan: LocalTrainingPlan = { epochs: 3, learningRate: 0.3, negatives: 20, loss: 'sampled-softmax', reconstructionEpochs: 2, privateLearningRate: 0.1, privateL2: 0.1, maxExamplesPerEpoch: 12 };
const layout = twoTowerLayout(config);
const model = new TwoTowerModel(layout);
const items = catalogItemInputs(config, catalog.itemIds);
const params = initTwoTowerParameters(layout, 2);
const orders = syntheticOrders(catalog, 17, 14).map((order) => Int32Array.from(order));

describe('training on a device', () => {
  it('lowers the loss of its own examples (same negatives before and after)', () => {
    const examples = historyExamples(orders, model, plan.maxExamplesPerEpoch);
    const { delta, privateVector } = trainOnDevice({ model, params, items, orders, plan, random: seededRandom(1) });
    const after = params.map((x, i) => x + delta[i]!);
    const before = exampleLoss(model, params, privateVector, items, examples, plan, seededRandom(99));
    expect(exampleLoss(model, after, privateVector, items, examples, plan, seededRandom(99))).toBeLessThan(before * 0.9);
  });

  it('learns the repeat-purchase features: their weights grow from zero', () => {
    const { delta } = trainOnDevice({ model, params, items, orders, plan, random: seededRandom(3) });
    const features = layout.offset('score.features');
    expect(Array.from(delta.subarray(features, features + 3)).every((w) => w > 0)).toBe(true);
  });

  it('fits the private vector with the shared parameters frozen, and never puts it in the update', () => {
    const examples = historyExamples(orders, model, plan.maxExamplesPerEpoch);
    const fitted = reconstructPrivateVector(model, params, items, examples, plan, seededRandom(5));
    expect(l2Norm(fitted)).toBeGreaterThan(0);
    expect(exampleLoss(model, params, fitted, items, examples, plan, seededRandom(6))).toBeLessThan(exampleLoss(model, params, null, items, examples, plan, seededRandom(6)));
    const result = trainOnDevice({ model, params, items, orders, plan, random: seededRandom(5) });
    expect(result.delta).toHaveLength(layout.size);
    expect(result.privateVector).toHaveLength(config.embeddingDim);
  });

  it('returns a zero update for a device with a single order', () => {
    const result = trainOnDevice({ model, params, items, orders: orders.slice(0, 1), plan, random: seededRandom(4) });
    expect(result.examples).toBe(0);
    expect(Number.isNaN(result.loss)).toBe(true);
    expect(l2Norm(result.delta)).toBe(0);
  });

  it('refuses parameters of another layout', () => {
    expect(() => trainOnDevice({ model, params: params.subarray(1), items, orders, plan, random: seededRandom(4) })).toThrow(/params has/);
  });
});
