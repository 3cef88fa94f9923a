/**
 * The accountant's arithmetic over `@cohort/dp`: the RDP curve of one DP-FedAvg round
 * (Poisson-subsampled Gaussian, Mironov, Talwar & Zhang 2019), sums of curves (composition,
 * Mironov 2017 Prop. 1), their conversion to ε at the configured δ, and PLD bounds of a set of
 * rounds (Doroshenko et al. 2022, as dp_accounting).
 *
 * Invariants: never under-counts — RDP is computed in `exact` mode (with its upward margin) on
 * dp_accounting's default orders, the PLD is pessimistic, and an unbounded loss (a round without
 * noise) is +∞, reported as null on the wire, never as a number; curves are immutable once made.
 */
import { DEFAULT_RDP_ORDERS, PldAccountant, epsilonFromRdp, gaussianEvent, poissonSampled, rdpPoissonSubsampledGaussian } from '@cohort/dp';

/** What privacy depends on in a round: q and z (C and the population size do not enter ε). */
export interface RoundPrivacyParameters {
  readonly samplingRate: number;
  readonly noiseMultiplier: number;
}

/** Rounds composed under one (q, z). */
export interface MechanismCount extends RoundPrivacyParameters {
  readonly rounds: number;
}

/** PLD grid step: dp_accounting's default value_discretization_interval. */
export const PLD_DISCRETIZATION_INTERVAL = 1e-4;

export class PrivacyArithmetic {
  readonly orders: readonly number[] = DEFAULT_RDP_ORDERS;
  private readonly roundCurves = new Map<string, Float64Array>();
  private readonly pldCache = new Map<string, number>();
  private readonly countsCache = new Map<string, number>();

  constructor(readonly delta: number) {
    if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  }

  zero(): Float64Array {
    return new Float64Array(this.orders.length);
  }

  /** RDP of one round at every order (shared, frozen by convention: never mutate it). */
  roundCurve({ samplingRate, noiseMultiplier }: RoundPrivacyParameters): Float64Array {
    const key = `${samplingRate}|${noiseMultiplier}`;
    let curve = this.roundCurves.get(key);
    if (curve === undefined) {
      curve = rdpPoissonSubsampledGaussian(samplingRate, noiseMultiplier, this.orders, 'exact');
      this.roundCurves.set(key, curve);
    }
    return curve;
  }

  /** a + Σ b_i, as a new curve. */
  add(a: ArrayLike<number>, ...bs: ReadonlyArray<ArrayLike<number>>): Float64Array {
    const out = Float64Array.from(a);
    for (const b of bs) for (let i = 0; i < out.length; i++) out[i] += b[i]!;
    return out;
  }

  /** ε at the configured δ; +∞ when unbounded. */
  epsilon(curve: ArrayLike<number>): number {
    return epsilonFromRdp(this.orders, curve, this.delta).epsilon;
  }

  /** ε of one round alone. */
  roundEpsilon(parameters: RoundPrivacyParameters): number {
    return this.epsilon(this.roundCurve(parameters));
  }

  /** Σ rounds × curve over the counts: the RDP of that composition. */
  compose(counts: readonly MechanismCount[]): Float64Array {
    const out = this.zero();
    for (const c of counts) {
      const curve = this.roundCurve(c);
      for (let i = 0; i < out.length; i++) out[i] += c.rounds * curve[i]!;
    }
    return out;
  }

  /** ε (RDP) of a composition given as counts per mechanism (memoised: profiles repeat). */
  countsEpsilon(counts: readonly MechanismCount[]): number {
    const key = counts.map((c) => `${c.samplingRate}|${c.noiseMultiplier}|${c.rounds}`).join(';');
    let epsilon = this.countsCache.get(key);
    if (epsilon === undefined) {
      epsilon = this.epsilon(this.compose(counts));
      if (this.countsCache.size >= 100_000) this.countsCache.delete(this.countsCache.keys().next().value!);
      this.countsCache.set(key, epsilon);
    }
    return epsilon;
  }

  /** PLD bound on ε for the composition of these rounds (memoised by composition). */
  pldEpsilon(counts: readonly MechanismCount[]): number {
    const merged = mergeCounts(counts);
    if (merged.length === 0) return 0;
    const key = merged.map((c) => `${c.samplingRate}|${c.noiseMultiplier}|${c.rounds}`).join(';');
    let epsilon = this.pldCache.get(key);
    if (epsilon === undefined) {
      const accountant = new PldAccountant({ valueDiscretizationInterval: PLD_DISCRETIZATION_INTERVAL });
      for (const c of merged) accountant.compose(poissonSampled(c.samplingRate, gaussianEvent(c.noiseMultiplier)), c.rounds);
      epsilon = accountant.getEpsilon(this.delta);
      if (this.pldCache.size >= 1_000) this.pldCache.delete(this.pldCache.keys().next().value!);
      this.pldCache.set(key, epsilon);
    }
    return epsilon;
  }
}

/** Same (q, z) counted together, in a stable order. */
export function mergeCounts(counts: readonly MechanismCount[]): MechanismCount[] {
  const byKey = new Map<string, MechanismCount>();
  for (const c of counts) {
    if (c.rounds === 0) continue;
    const key = `${c.samplingRate}|${c.noiseMultiplier}`;
    const seen = byKey.get(key);
    byKey.set(key, { samplingRate: c.samplingRate, noiseMultiplier: c.noiseMultiplier, rounds: (seen?.rounds ?? 0) + c.rounds });
  }
  return [...byKey.values()].sort((a, b) => a.samplingRate - b.samplingRate || a.noiseMultiplier - b.noiseMultiplier);
}

/** ε on the wire: finite number, or null for unbounded. */
export function wireEpsilon(epsilon: number): number | null {
  return Number.isFinite(epsilon) ? epsilon : null;
}

/** A curve as JSON (+∞ as null) and back. */
export function curveToJson(curve: ArrayLike<number>): Array<number | null> {
  return Array.from(curve, (v) => (Number.isFinite(v) ? v : null));
}

export function curveFromJson(values: ReadonlyArray<number | null>): Float64Array {
  return Float64Array.from(values, (v) => (v === null ? Infinity : v));
}
