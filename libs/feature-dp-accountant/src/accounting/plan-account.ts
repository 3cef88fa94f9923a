/**
 * A plan's account: the composition of every committed round of the plan — the privacy of a user
 * eligible for all of them, hence the user-level guarantee of the model version the last round
 * produced (everyone else spent less). Kept as an RDP curve plus the count of rounds per (q, z),
 * from which the PLD bound is recomputed.
 *
 * Invariant: `advancePlan` adds exactly one round; ε is reported as the smaller of two valid
 * upper bounds (RDP, PLD), and which one is named. The PLD bound (a few hundred ms) may be left
 * undefined while the ledger is replayed and computed when asked (`withPld`): it is a function of
 * the counts alone, so it comes out the same whenever it is computed.
 */
import type { LedgerEntry, ModelVersion, PlanId, PrivacyAccountantKind, RoundId } from '@cohort/contracts';
import { type MechanismCount, type PrivacyArithmetic, curveFromJson, curveToJson, mergeCounts } from './privacy-arithmetic';

export interface PlanAccount {
  readonly planId: PlanId;
  readonly rounds: number;
  readonly rdp: Float64Array;
  readonly mechanisms: readonly MechanismCount[];
  readonly lastSequence: number;
  readonly lastRoundId: RoundId | null;
  readonly latestModelVersion: ModelVersion | null;
  /** ε at δ; +∞ when unbounded. */
  readonly epsilonRdp: number;
  /** undefined: not computed yet (see `withPld`). */
  readonly epsilonPld?: number;
  readonly delta: number;
}

export function emptyPlan(planId: PlanId, arithmetic: PrivacyArithmetic): PlanAccount {
  return {
    planId, rounds: 0, rdp: arithmetic.zero(), mechanisms: [], lastSequence: 0, lastRoundId: null, latestModelVersion: null,
    epsilonRdp: 0, epsilonPld: 0, delta: arithmetic.delta,
  };
}

export function advancePlan(plan: PlanAccount, entry: LedgerEntry, arithmetic: PrivacyArithmetic, computePld = true): PlanAccount {
  const round = { samplingRate: entry.mechanism.samplingRate, noiseMultiplier: entry.mechanism.noiseMultiplier };
  const rdp = arithmetic.add(plan.rdp, arithmetic.roundCurve(round));
  const mechanisms = mergeCounts([...plan.mechanisms, { ...round, rounds: 1 }]);
  return {
    planId: plan.planId,
    rounds: plan.rounds + 1,
    rdp,
    mechanisms,
    lastSequence: entry.sequence,
    lastRoundId: entry.roundId,
    latestModelVersion: entry.modelVersion,
    epsilonRdp: arithmetic.epsilon(rdp),
    ...(computePld ? { epsilonPld: arithmetic.pldEpsilon(mechanisms) } : {}),
    delta: arithmetic.delta,
  };
}

/** The account with its PLD bound computed (the same object when it already is). */
export function withPld(plan: PlanAccount, arithmetic: PrivacyArithmetic): PlanAccount & { readonly epsilonPld: number } {
  return plan.epsilonPld !== undefined ? (plan as PlanAccount & { epsilonPld: number }) : { ...plan, epsilonPld: arithmetic.pldEpsilon(plan.mechanisms) };
}

/** The reported bound: the smaller of the two, and its accountant (RDP on a tie). */
export function bestBound(epsilonRdp: number, epsilonPld: number): { epsilon: number; accountant: PrivacyAccountantKind } {
  return epsilonPld < epsilonRdp ? { epsilon: epsilonPld, accountant: 'pld' } : { epsilon: epsilonRdp, accountant: 'rdp' };
}

/** Stored form: +∞ as null; an uncomputed PLD bound is absent. */
interface StoredPlan extends Omit<PlanAccount, 'rdp' | 'epsilonRdp' | 'epsilonPld'> {
  readonly rdp: Array<number | null>;
  readonly epsilonRdp: number | null;
  readonly epsilonPld?: number | null;
}

export function encodePlan(plan: PlanAccount): string {
  const { epsilonPld, ...rest } = plan;
  const stored: StoredPlan = {
    ...rest,
    rdp: curveToJson(plan.rdp),
    epsilonRdp: Number.isFinite(plan.epsilonRdp) ? plan.epsilonRdp : null,
    ...(epsilonPld === undefined ? {} : { epsilonPld: Number.isFinite(epsilonPld) ? epsilonPld : null }),
  };
  return JSON.stringify(stored);
}

export function decodePlan(raw: string): PlanAccount {
  const { epsilonPld, ...stored } = JSON.parse(raw) as StoredPlan;
  return {
    ...stored,
    rdp: curveFromJson(stored.rdp),
    epsilonRdp: stored.epsilonRdp ?? Infinity,
    ...(epsilonPld === undefined ? {} : { epsilonPld: epsilonPld ?? Infinity }),
  };
}

/** A plan account at another δ than it was stored with gets its ε recomputed (PLD when asked). */
export function atDelta(plan: PlanAccount, arithmetic: PrivacyArithmetic): PlanAccount {
  if (plan.delta === arithmetic.delta) return plan;
  const { epsilonPld: _stale, ...rest } = plan;
  return { ...rest, epsilonRdp: arithmetic.epsilon(plan.rdp), delta: arithmetic.delta };
}
