/**
 * The server step of DP-FedAvg (McMahan et al. 2018) on the released, noised sum of clipped
 * updates, with the fixed denominator q·N (the expected cohort size: dividing by the realised
 * size would make the sensitivity data-dependent), followed by FedAvg (server SGD) or FedAdam
 * (Reddi et al. 2021, Alg. 2: Adam on the averaged delta as a pseudo-gradient, adaptivity τ).
 *
 * Invariant: pure — returns new parameters and optimizer state, never mutates its inputs; the
 * optimizer state (FedAdam's moments) is server-side only and is versioned with the model.
 */
import { type ServerOptimizer } from '@cohort/contracts';

export interface ServerOptimizerState {
  /** Rounds applied so far. */
  readonly step: number;
  /** FedAdam's first and second moments; absent for FedAvg. */
  readonly m?: Float32Array;
  readonly v?: Float32Array;
}

export interface ServerStepResult {
  readonly params: Float32Array;
  readonly state: ServerOptimizerState;
}

export function applyServerStep(
  params: Float32Array,
  state: ServerOptimizerState,
  noisedSum: ArrayLike<number>,
  expectedCohortSize: number,
  optimizer: ServerOptimizer,
): ServerStepResult {
  if (noisedSum.length !== params.length) throw new RangeError(`the sum has ${noisedSum.length} entries; the model has ${params.length}`);
  if (!(expectedCohortSize > 0)) throw new RangeError(`expectedCohortSize must be positive, got ${expectedCohortSize}`);
  const next = new Float32Array(params.length);
  if (optimizer.kind === 'fedavg') {
    for (let i = 0; i < params.length; i++) next[i] = params[i]! + (optimizer.learningRate * noisedSum[i]!) / expectedCohortSize;
    return { params: next, state: { step: state.step + 1 } };
  }
  const { beta1, beta2, tau, learningRate } = optimizer;
  const m = new Float32Array(params.length);
  const v = new Float32Array(params.length);
  for (let i = 0; i < params.length; i++) {
    const delta = noisedSum[i]! / expectedCohortSize;
    m[i] = beta1 * (state.m?.[i] ?? 0) + (1 - beta1) * delta;
    v[i] = beta2 * (state.v?.[i] ?? 0) + (1 - beta2) * delta * delta;
    next[i] = params[i]! + (learningRate * m[i]!) / (Math.sqrt(v[i]!) + tau);
  }
  return { params: next, state: { step: state.step + 1, m, v } };
}
