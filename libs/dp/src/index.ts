/**
 * @cohort/dp — differential-privacy mechanisms and accountants for Cohort (pure, no I/O).
 *
 * Invariant: this file is the only public entry; everything exported here is documented in
 * docs/dp.md, and nothing here reads the environment, the clock or the file system (randomness
 * comes through the RandomSource port).
 */
export { DpError, DpErrorCode } from './dp-error';
export {
  type ComposedEvent,
  type DpEvent,
  type DpEventKind,
  type GaussianEvent,
  type LaplaceEvent,
  type PoissonSampledEvent,
  type SampledWithoutReplacementEvent,
  type SelfComposedEvent,
  composed,
  describeEvent,
  effectiveGaussianNoise,
  gaussianEvent,
  laplaceEvent,
  poissonSampled,
  sampledWithoutReplacement,
  selfComposed,
} from './dp-event';
export {
  DEFAULT_RDP_ORDERS,
  type NeighboringRelation,
  RdpAccountant,
  type RdpAccountantOptions,
} from './rdp-accountant';
export { EXACT_MODE_RELATIVE_MARGIN, type RdpMode, rdpPoissonSubsampledGaussian } from './rdp-subsampled-gaussian';
export { rdpLaplace, rdpSampledWithoutReplacementGaussian } from './rdp-other-mechanisms';
export { type DeltaAndOrder, type EpsilonAndOrder, deltaFromRdp, epsilonFromRdp } from './rdp-conversion';
export { PldAccountant, type PldAccountantOptions } from './pld-accountant';
export {
  type Accountant,
  type CalibrationRequest,
  type CalibrationResult,
  calibrateNoiseMultiplier,
  dpFedAvgEvent,
} from './calibration';
export { type RandomSource, cryptoRandomSource } from './random-source';
export { GaussianSampler } from './gaussian-sampler';
export { DiscreteGaussianSampler, type Rational, rationalFromNumber } from './discrete-gaussian-sampler';
export { AdaptiveClipping, type AdaptiveClippingOptions, updateNoiseMultiplier } from './adaptive-clipping';
