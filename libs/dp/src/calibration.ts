/**
 * Calibration: the smallest noise multiplier z (to a relative tolerance) such that `steps` rounds
 * of the Poisson-subsampled Gaussian mechanism at rate q stay within (targetEpsilon, delta),
 * by bracketing and bisection on z (ε is non-increasing in z; dp_accounting
 * mechanism_calibration.calibrate_dp_mechanism does the same).
 *
 * Invariant: the returned z always satisfies ε(z) ≤ targetEpsilon under the chosen accountant
 * (it is the upper end of the final bracket, which is only ever moved to points that were
 * checked); it is within `relativeTolerance` of the smallest such z.
 */
import { DpError, DpErrorCode, check } from './dp-error';
import { type DpEvent, gaussianEvent, poissonSampled, selfComposed } from './dp-event';
import { PldAccountant } from './pld-accountant';
import { RdpAccountant } from './rdp-accountant';
import { type RdpMode } from './rdp-subsampled-gaussian';

/** What calibration needs from an accountant; RdpAccountant and PldAccountant both fit. */
export interface Accountant {
  supports(event: DpEvent): boolean;
  compose(event: DpEvent, count?: number): unknown;
  getEpsilon(delta: number): number;
}

export interface CalibrationRequest {
  readonly targetEpsilon: number;
  readonly delta: number;
  /** Poisson sampling rate q in (0, 1]. */
  readonly samplingRate: number;
  /** Number of rounds T. */
  readonly steps: number;
  /** 'rdp' (default, exact mode), 'pld' (interval 1e-4), or a factory of fresh accountants. */
  readonly accountant?: 'rdp' | 'pld' | (() => Accountant);
  /** Stop when the bracket [lo, hi] has (hi − lo)/hi below this (default 1e-4). */
  readonly relativeTolerance?: number;
  readonly rdpMode?: RdpMode;
  readonly valueDiscretizationInterval?: number;
}

export interface CalibrationResult {
  readonly noiseMultiplier: number;
  /** ε(noiseMultiplier) under the chosen accountant, ≤ targetEpsilon. */
  readonly epsilon: number;
  readonly evaluations: number;
}

/** The DpEvent of `steps` rounds of DP-FedAvg at rate q and noise z. */
export function dpFedAvgEvent(samplingRate: number, noiseMultiplier: number, steps: number): DpEvent {
  const round = samplingRate === 1 ? gaussianEvent(noiseMultiplier) : poissonSampled(samplingRate, gaussianEvent(noiseMultiplier));
  return selfComposed(round, steps);
}

export function calibrateNoiseMultiplier(request: CalibrationRequest): CalibrationResult {
  const { targetEpsilon, delta, samplingRate, steps } = request;
  check(Number.isFinite(targetEpsilon) && targetEpsilon > 0, 'targetEpsilon', 'a finite number > 0', targetEpsilon);
  check(delta > 0 && delta < 1, 'delta', 'in (0, 1)', delta);
  check(samplingRate > 0 && samplingRate <= 1, 'samplingRate', 'in (0, 1]', samplingRate);
  check(Number.isSafeInteger(steps) && steps >= 1, 'steps', 'an integer >= 1', steps);
  const tol = request.relativeTolerance ?? 1e-4;
  check(tol > 0 && tol < 1, 'relativeTolerance', 'in (0, 1)', tol);
  const make = accountantFactory(request);

  let evaluations = 0;
  const epsilonAt = (z: number) => {
    evaluations++;
    const acc = make();
    acc.compose(dpFedAvgEvent(samplingRate, z, steps));
    return acc.getEpsilon(delta);
  };

  // Bracket: hi meets the target, lo does not.
  let hi = 1;
  let epsHi = epsilonAt(hi);
  let lo = 0;
  while (!(epsHi <= targetEpsilon)) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6) {
      throw new DpError(
        DpErrorCode.CalibrationFailed,
        `no noise multiplier up to 1e6 reaches epsilon ${targetEpsilon} at delta ${delta}; raise the target or lower the steps`,
      );
    }
    epsHi = epsilonAt(hi);
  }
  if (lo === 0) {
    // z = 1 already meets the target: walk down to a z that does not.
    lo = hi / 2;
    for (let eps = epsilonAt(lo); eps <= targetEpsilon && lo > 1e-6; eps = epsilonAt(lo)) {
      hi = lo;
      epsHi = eps;
      lo /= 2;
    }
  }
  while ((hi - lo) / hi > tol) {
    const mid = (lo + hi) / 2;
    const eps = epsilonAt(mid);
    if (eps <= targetEpsilon) {
      hi = mid;
      epsHi = eps;
    } else {
      lo = mid;
    }
  }
  return { noiseMultiplier: hi, epsilon: epsHi, evaluations };
}

function accountantFactory(request: CalibrationRequest): () => Accountant {
  const choice = request.accountant ?? 'rdp';
  if (typeof choice === 'function') return choice;
  if (choice === 'pld') {
    const valueDiscretizationInterval = request.valueDiscretizationInterval ?? 1e-4;
    return () => new PldAccountant({ valueDiscretizationInterval });
  }
  check(choice === 'rdp', 'accountant', "'rdp', 'pld' or a factory", choice);
  const mode = request.rdpMode ?? 'exact';
  return () => new RdpAccountant({ mode });
}
