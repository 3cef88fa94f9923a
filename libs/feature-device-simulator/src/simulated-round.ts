/**
 * The utility simulation path: one DP-FedAvg round of the same devices without the SecAgg+
 * cryptography, for benchmarks that need hundreds of rounds over 10⁵ devices. Everything that
 * shapes the released aggregate is the production code: each sampled device trains and clips with
 * the SDK's `DeviceTrainer`, quantizes at the aggregator's scale with unbiased stochastic rounding
 * (`@cohort/secagg`), the words are summed mod 2^32 — exactly what SecAgg+ reveals — and decoded,
 * and N(0, (zC)²) is added by the aggregator's sampler (`@cohort/dp`). Only the masking, which
 * cancels in the sum, is left out; `simulated-round.int-spec.ts` checks both paths release the
 * same aggregate for the same round.
 *
 * Invariant: Poisson sampling — every device independently with probability q — and the fixed
 * denominator q·N, as the accountant assumes.
 */
import type { DeviceTrainer, OnDeviceModel } from '@cohort/client-sdk';
import type { GaussianSampler } from '@cohort/dp';
import { SECAGG_MODULUS_BITS, dequantize, quantizationScale, quantize, type UniformSource } from '@cohort/secagg';

export interface SimulatedMechanism {
  readonly samplingRate: number;
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
}

export interface SimulatedRoundInput {
  /** Every eligible device of the population. */
  readonly devices: readonly DeviceTrainer[];
  readonly model: OnDeviceModel;
  readonly mechanism: SimulatedMechanism;
  /** Probability that a sampled device vanishes before uploading. */
  readonly dropoutRate?: number;
  /** Sampling and dropouts (simulation behaviour). */
  readonly random: () => number;
  /** Stochastic rounding, as the device draws it (a CSPRNG on real devices). */
  readonly rounding: UniformSource;
  readonly noise: GaussianSampler;
}

export interface SimulatedRoundResult {
  /** Decoded sum of the survivors' quantized updates plus N(0, (zC)²) per coordinate. */
  readonly noisedSum: Float64Array;
  readonly sampled: number;
  readonly contributors: number;
  /** q·N: the fixed denominator of the server step. */
  readonly expectedCohortSize: number;
  /** Mean local training loss of the contributors. */
  readonly meanLoss: number;
}

/** Sums quantized updates mod 2^b in place: what SecAgg+ lets the server learn. */
export function addWords(total: Uint32Array, words: Uint32Array): void {
  for (let i = 0; i < total.length; i++) total[i] = (total[i]! + words[i]!) >>> 0;
}

export function simulateRound(input: SimulatedRoundInput): SimulatedRoundResult {
  const { devices, model, mechanism, random } = input;
  const sampled = devices.filter(() => random() < mechanism.samplingRate);
  const survivors = sampled.filter(() => !(random() < (input.dropoutRate ?? 0)));
  const dimension = model.params.length;
  const quantization = {
    clipRange: mechanism.clipNorm,
    scale: quantizationScale(Math.max(1, sampled.length), mechanism.clipNorm),
    modulusBits: SECAGG_MODULUS_BITS,
    dimension,
  };
  const total = new Uint32Array(dimension);
  let loss = 0;
  let losses = 0;
  let contributors = 0;
  for (const device of survivors) {
    let trained;
    try {
      trained = device.computeUpdate(model, mechanism.clipNorm);
    } catch {
      // A device whose training failed (a diverged, non-finite update the SDK refuses to clip)
      // uploads nothing, as on the real path: it counts as a dropout.
      continue;
    }
    addWords(total, quantize(trained.update, quantization, input.rounding));
    contributors++;
    if (Number.isFinite(trained.loss)) {
      loss += trained.loss;
      losses++;
    }
  }
  const noisedSum = dequantize(total, quantization);
  input.noise.addNoise(noisedSum, mechanism.noiseMultiplier * mechanism.clipNorm);
  return {
    noisedSum,
    sampled: sampled.length,
    contributors,
    expectedCohortSize: mechanism.samplingRate * devices.length,
    meanLoss: losses === 0 ? NaN : loss / losses,
  };
}
