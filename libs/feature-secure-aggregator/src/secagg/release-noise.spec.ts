/**
 * The central DP noise of the released aggregate, tested statistically on the real release path:
 * secure-aggregator (real Nest app, in-memory store, embedded bus) with its default noise source —
 * the Gaussian sampler over WebCrypto, nothing injected — and client-SDK devices that all send the
 * zero update. Zero quantizes to the word 0 exactly (quantize.ts: v = 0 rounds to 0) and decodes
 * to 0.0, so every released coordinate is pure noise, in the released (dequantized) units: the
 * noise is added after `dequantize`, so the quantization scale does not enter it.
 *
 * Setup: 9 devices, groups of at most 3, so G = 3 groups; z = 0.75, C = 2, σ = z·C = 1.5.
 * - round A: every group finishes, each adds N(0, σ²/G); the total must carry N(0, σ²);
 * - round B: every device of one group stays silent, so that group aborts and the release tops
 *   the total up with N(0, σ²·1/G); the total must again carry N(0, σ²).
 * For each round's released vector x (d = 20 000 coordinates, i.i.d. N(0, σ²) if correct):
 *
 * (mean) x̄ ~ N(0, σ²/d) exactly. Bound |x̄| ≤ k·σ/√d with k = 6.5:
 *        P(|Z| > k) ≤ 2φ(k)/k = 2·e^(−21.125)/(6.5·√(2π)) ≈ 8.2e-11.
 * (variance) S = Σx²/σ² ~ χ²_d (the mean is known to be 0, so no degree is lost). Laurent &
 *        Massart 2000, Lemma 1: P(S − d ≥ 2√(d·t) + 2t) ≤ e^(−t) and P(d − S ≥ 2√(d·t)) ≤ e^(−t).
 *        With t = ln(1e10) each tail fails with probability ≤ 1e-10; for d = 20 000 the ratio
 *        S/d must lie in about [0.932, 1.070]. Wrong scalings land far outside: no noise → 0,
 *        σ/√G double-counted (σ/G per group) → 1/3, σ per group → 3, a missing top-up in round
 *        B → 2/3, the same vector added by every group → G²·(σ²/G)/σ² = 3.
 * (independence) r = ⟨x, y⟩/(‖x‖‖y‖) for the two rounds' vectors (uncentred: the mean is known).
 *        Given x, y/‖y‖ is uniform on the sphere S^(d−1) when y is i.i.d. Gaussian and independent
 *        of x, and a spherical cap {u₁ ≥ ε} has measure ≤ e^(−dε²/2) (Ball 1997, "An elementary
 *        introduction to modern convex geometry", Lemma 2.2). So P(|r| ≥ ε) ≤ 2e^(−dε²/2) =
 *        1e-10 at ε = √(2·ln(2e10)/d) ≈ 0.049. A replayed noise vector gives r = 1.
 *
 * Union bound: 2 rounds × (1e-10 + 2·1e-10) + 1e-10 = 7e-10 ≤ 1e-9 that a correct implementation
 * fails this test. Float32 storage of the group sums and the total perturbs each value by a
 * relative 2^-24 at most, orders of magnitude below these bounds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedEventBus } from '@cohort/bus';
import type { ClientId, RoundId } from '@cohort/contracts';
import { MemoryKeyValueStore } from '@cohort/state';
import { openRound, outcomeOf, participate, readSum, registerDevices, startAggregator, type Aggregator, type Device } from './aggregator-harness.testing';
import { SessionRepository } from './session.repository';

const DIMENSION = 20_000;
const DEVICES = 9;
const GROUP_SIZE = 3;
const NOISE_MULTIPLIER = 0.75;
const CLIP_NORM = 2;
const SIGMA = NOISE_MULTIPLIER * CLIP_NORM;

/** Per-assertion failure probability; 7 assertions, so the test fails with probability ≤ 7e-10. */
const ALPHA = 1e-10;
/** Two-sided normal quantile for ALPHA: P(|Z| > 6.5) ≈ 8.2e-11 (bound in the header). */
const MEAN_K = 6.5;
/** Laurent–Massart deviation t = ln(1/ALPHA). */
const CHI2_T = Math.log(1 / ALPHA);

let aggregator: Aggregator | undefined;
afterEach(async () => {
  await aggregator?.close();
  aggregator = undefined;
});

function expectNoiseOfStddev(x: Float32Array, sigma: number): void {
  const d = x.length;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < d; i++) {
    sum += x[i]!;
    squares += x[i]! * x[i]!;
  }
  const mean = sum / d;
  expect(Math.abs(mean), `mean ${mean}`).toBeLessThanOrEqual((MEAN_K * sigma) / Math.sqrt(d));
  const chi2 = squares / (sigma * sigma);
  expect(chi2, `Σx²/σ² = ${chi2} (d = ${d})`).toBeGreaterThanOrEqual(d - 2 * Math.sqrt(d * CHI2_T));
  expect(chi2, `Σx²/σ² = ${chi2} (d = ${d})`).toBeLessThanOrEqual(d + 2 * Math.sqrt(d * CHI2_T) + 2 * CHI2_T);
}

function correlation(x: Float32Array, y: Float32Array): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < x.length; i++) {
    xy += x[i]! * y[i]!;
    xx += x[i]! * x[i]!;
    yy += y[i]! * y[i]!;
  }
  return xy / Math.sqrt(xx * yy);
}

async function groupsOf(sessions: SessionRepository, roundId: RoundId, devices: readonly Device[]): Promise<Map<ClientId, number>> {
  for (;;) {
    const groups = await Promise.all(devices.map((d) => sessions.groupOf(roundId, d.clientId)));
    if (groups.every((g) => g !== null)) return new Map(devices.map((d, i) => [d.clientId, groups[i]!]));
    await new Promise((resolve) => setTimeout(resolve, 20)); // RoundOpened not consumed yet
  }
}

describe('the DP noise of the released aggregate (default CSPRNG Gaussian sampler)', () => {
  it('is N(0, (z·C)²) per coordinate in total over the groups, with or without an aborted group, and independent across rounds', async () => {
    const bus = new EmbeddedEventBus();
    const blobs = new MemoryBlobStore();
    aggregator = await startAggregator({
      store: new MemoryKeyValueStore(),
      bus,
      blobs,
      // No `noise`: the service's own GaussianSampler over WebCrypto. Short stages: round B waits for one deadline.
      options: { maxGroupSize: GROUP_SIZE, dropoutFraction: 0.5, corruptFraction: 0, stageTimeoutMs: 5_000 },
    });
    const sessions = aggregator.app.get(SessionRepository);
    const devices = await registerDevices(bus, DEVICES);
    const zero = new Float32Array(DIMENSION);

    const release = async (round: string, silentGroup?: number) => {
      const { payload, task } = await openRound(bus, devices.map((d) => d.clientId), {
        dimension: DIMENSION, noiseMultiplier: NOISE_MULTIPLIER, clipNorm: CLIP_NORM, minSurvivors: GROUP_SIZE, roundId: round,
      });
      const outcome = await outcomeOf(bus, payload.roundId, `test.noise.${round}`);
      const groups = await groupsOf(sessions, payload.roundId, devices);
      expect(new Set(groups.values()).size).toBe(DEVICES / GROUP_SIZE);
      const results = await Promise.all(devices.map((d) => participate(aggregator!.url, d, task, zero, groups.get(d.clientId) === silentGroup ? 'AdvertiseKeys' : undefined)));
      const result = await outcome();
      if (!('ready' in result)) throw new Error(`aborted: ${result.aborted.reason}`);
      const silent = silentGroup === undefined ? 0 : GROUP_SIZE;
      expect(results.filter((r) => r.outcome === 'contributed')).toHaveLength(DEVICES - silent);
      expect(result.ready).toMatchObject({ contributors: DEVICES - silent, dimension: DIMENSION, noiseStddev: SIGMA });
      return readSum(blobs, result.ready);
    };

    const allGroups = await release('r-noise-a');
    expectNoiseOfStddev(allGroups, SIGMA);
    const oneAborted = await release('r-noise-b', 0);
    expectNoiseOfStddev(oneAborted, SIGMA);
    expect(Math.abs(correlation(allGroups, oneAborted))).toBeLessThanOrEqual(Math.sqrt((2 * Math.log(2 / ALPHA)) / DIMENSION));
  }, 60_000);
});
