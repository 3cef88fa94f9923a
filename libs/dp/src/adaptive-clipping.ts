/**
 * Adaptive clipping (Andrew, Thakkar, McMahan & Ramaswamy 2021, "Differentially Private Learning
 * with Adaptive Clipping", NeurIPS; arXiv:1905.03871): the clip norm C tracks a target quantile γ
 * of the update norms, estimated privately each round.
 *
 * Each participating client reports b_i = 1[‖Δ_i‖ ≤ C]. The server releases
 *   b̃ = (Σ_i (b_i − 1/2) + N(0, σ_b²)) / m + 1/2      (m: expected clients per round)
 * and updates geometrically C ← C · exp(−η (b̃ − γ))   (Sec. 3, Alg. 1, geometric update).
 * Centring the bits makes the count's sensitivity 1/2, so the count is a Gaussian query of noise
 * multiplier 2σ_b on the same Poisson sample as the update. To keep a total noise multiplier z
 * the update's own multiplier must be z_Δ = (z^{−2} − (2σ_b)^{−2})^{−1/2} (Sec. 3.1, Thm 1).
 *
 * Invariant: the quantile estimate's privacy cost is never hidden — `roundEvent(q)` is the
 * DpEvent of one round *including* the count query, and the RDP accountant reduces it back to
 * noise z; an infeasible split (2σ_b ≤ z) is rejected.
 */
import { check } from './dp-error';
import { type DpEvent, composed, gaussianEvent, poissonSampled } from './dp-event';
import { GaussianSampler } from './gaussian-sampler';

export interface AdaptiveClippingOptions {
  readonly initialClipNorm: number;
  /** γ in (0, 1): the fraction of updates that should end up unclipped (e.g. 0.5 for the median). */
  readonly targetQuantile: number;
  /** η > 0 (the paper uses 0.2). */
  readonly learningRate: number;
  /** σ_b: standard deviation of the noise on the clipped count (the paper suggests m/20). */
  readonly clippedCountStddev: number;
  /** m: expected number of clients per round (q × population). */
  readonly expectedClientsPerRound: number;
  /** Noise source (default: a GaussianSampler on WebCrypto). */
  readonly sampler?: GaussianSampler;
}

/** z_Δ = (z^{−2} − (2σ_b)^{−2})^{−1/2}: the update noise that keeps the total at z. */
export function updateNoiseMultiplier(totalNoiseMultiplier: number, clippedCountStddev: number): number {
  check(totalNoiseMultiplier > 0, 'totalNoiseMultiplier', '> 0', totalNoiseMultiplier);
  const countMultiplier = 2 * clippedCountStddev;
  check(
    countMultiplier > totalNoiseMultiplier,
    'clippedCountStddev',
    `> totalNoiseMultiplier/2 = ${totalNoiseMultiplier / 2} (otherwise the count alone spends the budget)`,
    clippedCountStddev,
  );
  return 1 / Math.sqrt(1 / totalNoiseMultiplier ** 2 - 1 / countMultiplier ** 2);
}

export class AdaptiveClipping {
  private clip: number;
  readonly targetQuantile: number;
  readonly learningRate: number;
  readonly clippedCountStddev: number;
  readonly expectedClientsPerRound: number;
  private readonly sampler: GaussianSampler;

  constructor(options: AdaptiveClippingOptions) {
    check(options.initialClipNorm > 0 && Number.isFinite(options.initialClipNorm), 'initialClipNorm', 'a finite number > 0', options.initialClipNorm);
    check(options.targetQuantile > 0 && options.targetQuantile < 1, 'targetQuantile', 'in (0, 1)', options.targetQuantile);
    check(options.learningRate > 0, 'learningRate', '> 0', options.learningRate);
    check(options.clippedCountStddev > 0, 'clippedCountStddev', '> 0', options.clippedCountStddev);
    check(options.expectedClientsPerRound > 0, 'expectedClientsPerRound', '> 0', options.expectedClientsPerRound);
    this.clip = options.initialClipNorm;
    this.targetQuantile = options.targetQuantile;
    this.learningRate = options.learningRate;
    this.clippedCountStddev = options.clippedCountStddev;
    this.expectedClientsPerRound = options.expectedClientsPerRound;
    this.sampler = options.sampler ?? new GaussianSampler();
  }

  /** The current clip norm C. */
  get clipNorm(): number {
    return this.clip;
  }

  /** What a client reports: 1 if its update norm is within the clip norm. */
  clientBit(updateNorm: number): 0 | 1 {
    return updateNorm <= this.clip ? 1 : 0;
  }

  /**
   * Applies one round: `unclippedCount` = Σ b_i over the clients that took part. Returns the
   * noised fraction b̃ and the new clip norm.
   */
  update(unclippedCount: number, participants: number): { noisedFraction: number; clipNorm: number } {
    check(Number.isFinite(unclippedCount) && unclippedCount >= 0, 'unclippedCount', 'a finite number >= 0', unclippedCount);
    check(Number.isFinite(participants) && participants >= unclippedCount, 'participants', `>= unclippedCount`, participants);
    const centred = unclippedCount - participants / 2;
    const noisedFraction = (centred + this.sampler.sample(this.clippedCountStddev)) / this.expectedClientsPerRound + 0.5;
    this.clip *= Math.exp(-this.learningRate * (noisedFraction - this.targetQuantile));
    return { noisedFraction, clipNorm: this.clip };
  }

  /** The DpEvent of the count query alone: a Gaussian of noise multiplier 2σ_b (sensitivity 1/2). */
  countQueryEvent(): DpEvent {
    return gaussianEvent(2 * this.clippedCountStddev);
  }

  /**
   * The DpEvent of one whole round at sampling rate q: the clipped update with noise
   * `updateNoise` (z_Δ) and the count query, both on the same Poisson sample.
   */
  roundEvent(samplingRate: number, updateNoise: number): DpEvent {
    return poissonSampled(samplingRate, composed([gaussianEvent(updateNoise), this.countQueryEvent()]));
  }
}
