// DpEvent constructors: frozen, validated, described.
import { describe, expect, it } from 'vitest';
import { DpError } from './dp-error';
import {
  composed,
  describeEvent,
  effectiveGaussianNoise,
  gaussianEvent,
  laplaceEvent,
  poissonSampled,
  sampledWithoutReplacement,
  selfComposed,
} from './dp-event';

describe('DpEvent', () => {
  it('builds frozen events, deeply', () => {
    const e = composed([selfComposed(poissonSampled(0.1, gaussianEvent(1)), 3), laplaceEvent(2)]);
    expect(Object.isFrozen(e)).toBe(true);
    expect(Object.isFrozen(e.events)).toBe(true);
    expect(() => ((e.events as unknown as unknown[]).length = 0)).toThrow(TypeError);
    expect(describeEvent(e)).toBe('composed([selfComposed(poissonSampled(0.1, gaussian(1)), 3), laplace(2)])');
  });

  it('names the offending argument', () => {
    expect(() => gaussianEvent(-1)).toThrow(/noiseMultiplier must be a finite number >= 0/);
    expect(() => poissonSampled(1.5, gaussianEvent(1))).toThrow(/samplingRate must be in \[0, 1\]/);
    expect(() => sampledWithoutReplacement(10, 11, gaussianEvent(1))).toThrow(/sampleSize/);
    expect(() => selfComposed(gaussianEvent(1), 1.5)).toThrow(/count/);
    expect(() => composed([{ kind: 'nope' } as never])).toThrow(DpError);
  });

  it('reduces trees of Gaussians to one effective noise multiplier', () => {
    expect(effectiveGaussianNoise(composed([gaussianEvent(1), gaussianEvent(1)]))).toBeCloseTo(Math.SQRT1_2, 15);
    expect(effectiveGaussianNoise(selfComposed(gaussianEvent(2), 4))).toBe(1);
    expect(effectiveGaussianNoise(composed([gaussianEvent(1), laplaceEvent(1)]))).toBeUndefined();
  });
});
