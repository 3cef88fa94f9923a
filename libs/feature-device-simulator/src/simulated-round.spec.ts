import { describe, expect, it } from 'vitest';
import { OnDeviceModel, type DeviceTrainer } from '@cohort/client-sdk';
import { GaussianSampler } from '@cohort/dp';
import { initTwoTowerParameters, seededRandom, twoTowerLayout } from '@cohort/ml';
import { quantizationScale } from '@cohort/secagg';
import { simulateRound } from './simulated-round';

const config = { contentDim: 0, idBuckets: 4, embeddingDim: 2, hiddenDim: 2, poolingDecay: 0.9, recencyDecay: 0.7 };
const training = { epochs: 1, learningRate: 0.1, negatives: 2, loss: 'bpr' as const, reconstructionEpochs: 0, privateLearningRate: 0.1, privateL2: 0, maxExamplesPerEpoch: 2 };
const model = new OnDeviceModel({ modelVersion: 'v0', config, training, itemIds: ['a', 'b', 'c'], params: initTwoTowerParameters(twoTowerLayout(config), 1) });
const d = model.params.length;

/** A device whose update is fixed (or whose training fails), standing in for the SDK's trainer. */
const device = (value: number | 'fails') =>
  ({
    computeUpdate: () => {
      if (value === 'fails') throw new RangeError('the vector has a NaN or infinite entry; it cannot be clipped');
      return { update: new Float32Array(d).fill(value), normBeforeClip: 0, loss: 1, examples: 1 };
    },
  }) as unknown as DeviceTrainer;

describe('simulateRound', () => {
  it('sums the sampled devices\' quantized updates, divides by nothing, and counts a failed device as a dropout', () => {
    const devices = [device(0.01), device(-0.02), device('fails'), device(0.03)];
    const result = simulateRound({
      devices, model, mechanism: { samplingRate: 1, noiseMultiplier: 0, clipNorm: 1 },
      random: () => 0.5, rounding: seededRandom(1), noise: new GaussianSampler(),
    });
    expect(result).toMatchObject({ sampled: 4, contributors: 3, expectedCohortSize: 4 });
    const step = 1 / quantizationScale(4, 1);
    for (const x of result.noisedSum) expect(Math.abs(x - 0.02)).toBeLessThanOrEqual(3 * step);
  });

  it('samples each device with probability q (Poisson) and keeps the fixed denominator q·N', () => {
    const devices = Array.from({ length: 2000 }, () => device(0));
    const result = simulateRound({
      devices, model, mechanism: { samplingRate: 0.1, noiseMultiplier: 1, clipNorm: 0.5 },
      random: seededRandom(7), rounding: seededRandom(2), noise: new GaussianSampler(),
    });
    expect(result.expectedCohortSize).toBe(200);
    // Binomial(2000, 0.1): mean 200, sd ≈ 13.4
    expect(Math.abs(result.sampled - 200)).toBeLessThan(5 * 13.4);
    // zero updates plus N(0, (zC)²) noise: the released sum's spread is zC = 0.5
    const variance = result.noisedSum.reduce((s, x) => s + x * x, 0) / d;
    expect(Math.sqrt(variance)).toBeGreaterThan(0.25);
    expect(Math.sqrt(variance)).toBeLessThan(0.75);
  });
});
