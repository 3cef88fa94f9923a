import { describe, expect, it } from 'vitest';
import type { LocalTrainingPlan, TwoTowerConfig } from '@cohort/contracts';
import { initTwoTowerParameters, l2Norm, seededRandom, syntheticCatalog, syntheticOrders, twoTowerLayout } from '@cohort/ml';
import { DeviceTrainer, clipUpdate } from './device-trainer';
import { OnDeviceModel } from './on-device-model';

const catalog = syntheticCatalog(60, 6);
const config: TwoTowerConfig = { contentDim: 0, idBuckets: 64, embeddingDim: 8, hiddenDim: 8, poolingDecay: 0.9, recencyDecay: 0.7 };
const training: LocalTrainingPlan = { epochs: 2, learningRate: 0.5, negatives: 16, loss: 'sampled-softmax', reconstructionEpochs: 1, privateLearningRate: 0.1, privateL2: 0.1, maxExamplesPerEpoch: 8 };
const model = new OnDeviceModel({ modelVersion: 'plan:v0', config, training, itemIds: catalog.itemIds, params: initTwoTowerParameters(twoTowerLayout(config), 3) });
const ordersOf = (seed: number, orders = 10) => syntheticOrders(catalog, seed, orders).map((order) => order.map((i) => catalog.itemIds[i]!));

describe('DeviceTrainer', () => {
  it('clips an update of norm 10·C to at most C', () => {
    const C = 0.5;
    const long = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const scaled = long.map((x) => (x * 10 * C) / l2Norm(long));
    expect(l2Norm(scaled)).toBeCloseTo(10 * C, 4);
    expect(l2Norm(clipUpdate(scaled, C))).toBeLessThanOrEqual(C);
  });

  it('returns the trained update clipped to the round\'s clip norm, whatever it was before', () => {
    const C = 1e-3;
    const trainer = new DeviceTrainer(ordersOf(7), { random: seededRandom(1) });
    const { update, normBeforeClip, examples } = trainer.computeUpdate(model, C);
    expect(examples).toBe(8); // 9 orders after the first, capped at maxExamplesPerEpoch
    expect(update).toHaveLength(model.params.length);
    expect(normBeforeClip).toBeGreaterThan(10 * C);
    expect(l2Norm(update)).toBeLessThanOrEqual(C);
  });

  it('holds out the last order of an evaluation device: it never trains on it', () => {
    const held = new DeviceTrainer(ordersOf(5, 2), { random: seededRandom(3), holdOutLastOrder: true });
    const { update, examples } = held.computeUpdate(model, 1);
    // one training order leaves no (context, target) example: nothing learnt, nothing uploaded
    expect(examples).toBe(0);
    expect(l2Norm(update)).toBe(0);
    expect(held.evaluate(model)).toMatchObject({ users: 1 });
  });

  it('evaluates reproducibly: the same model and random give the same metrics, whatever the device did before', () => {
    // Weights far from zero and a strong refit, so the private vector moves the scores and a different refit would show.
    const random = seededRandom(5);
    const trained = new OnDeviceModel({
      modelVersion: 'plan:v1', config, training: { ...training, privateLearningRate: 3, reconstructionEpochs: 3 }, itemIds: catalog.itemIds,
      params: Float32Array.from(model.params, () => (random() * 2 - 1) * 0.7),
    });
    for (let user = 0; user < 6; user++) {
      const fresh = new DeviceTrainer(ordersOf(12 + user, 6), { random: seededRandom(8), holdOutLastOrder: true });
      const used = new DeviceTrainer(ordersOf(12 + user, 6), { random: seededRandom(9), holdOutLastOrder: true });
      used.computeUpdate(trained, 1);
      used.recommend(trained, 3);
      expect(used.evaluate(trained, seededRandom(77 + user))).toEqual(fresh.evaluate(trained, seededRandom(77 + user)));
    }
  });

  it('ranks on the device, skipping what the app excludes', () => {
    const trainer = new DeviceTrainer(ordersOf(11), { random: seededRandom(4) });
    const top = trainer.recommend(model, 5);
    expect(top).toHaveLength(5);
    expect(top.map((r) => r.score)).toEqual([...top.map((r) => r.score)].sort((a, b) => b - a));
    const without = trainer.recommend(model, 5, new Set([top[0]!.itemId]));
    expect(without.map((r) => r.itemId)).not.toContain(top[0]!.itemId);
  });
});
