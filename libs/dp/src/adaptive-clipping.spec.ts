// Adaptive clipping: converges to the target quantile and accounts its own noise.
import { describe, expect, it } from 'vitest';
import { AdaptiveClipping, updateNoiseMultiplier } from './adaptive-clipping';
import { effectiveGaussianNoise, gaussianEvent, poissonSampled } from './dp-event';
import { GaussianSampler } from './gaussian-sampler';
import { RdpAccountant } from './rdp-accountant';

const source = (() => {
  let x = 123456789;
  return (bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
  };
})();

describe('AdaptiveClipping (Andrew et al. 2021)', () => {
  it('moves the clip norm to the target quantile of the update norms', () => {
    const sampler = new GaussianSampler(source);
    const m = 500;
    const clip = new AdaptiveClipping({
      initialClipNorm: 0.1,
      targetQuantile: 0.5,
      learningRate: 0.2,
      clippedCountStddev: m / 20,
      expectedClientsPerRound: m,
      sampler,
    });
    // Update norms ~ |N(0, 4)|: median 2·0.6745 ≈ 1.349.
    for (let round = 0; round < 300; round++) {
      let bits = 0;
      for (let i = 0; i < m; i++) bits += clip.clientBit(Math.abs(sampler.sample(2)));
      clip.update(bits, m);
    }
    expect(clip.clipNorm).toBeGreaterThan(1.2);
    expect(clip.clipNorm).toBeLessThan(1.5);
  });

  it('splits the noise so the round costs exactly the total noise multiplier', () => {
    const z = 1.1;
    const sigmaB = 5;
    const zDelta = updateNoiseMultiplier(z, sigmaB);
    expect(zDelta).toBeGreaterThan(z);
    const clip = new AdaptiveClipping({
      initialClipNorm: 1,
      targetQuantile: 0.5,
      learningRate: 0.2,
      clippedCountStddev: sigmaB,
      expectedClientsPerRound: 100,
    });
    expect(clip.countQueryEvent()).toEqual(gaussianEvent(2 * sigmaB));
    const round = clip.roundEvent(0.01, zDelta);
    expect(round.kind === 'poissonSampled' && effectiveGaussianNoise(round.event)).toBeCloseTo(z, 12);
    const withClipping = new RdpAccountant().compose(round, 1000).getEpsilon(1e-5);
    const plain = new RdpAccountant().compose(poissonSampled(0.01, gaussianEvent(z)), 1000).getEpsilon(1e-5);
    expect(withClipping).toBeCloseTo(plain, 9);
  });

  it('rejects a count noise that would spend the whole budget', () => {
    expect(() => updateNoiseMultiplier(1, 0.5)).toThrow(/clippedCountStddev/);
  });
});
