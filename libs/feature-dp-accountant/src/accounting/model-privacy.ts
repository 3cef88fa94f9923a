/**
 * A model version's guarantee as the projection stores it: everything of ModelPrivacyComputed
 * except what depends on the PLD bound, which is kept when known and otherwise computed from the
 * plan's counts when asked (the same number whenever it is computed: it depends on the counts
 * alone). Versions recorded while the ledger is replayed are stored without it.
 */
import type { ModelPrivacyResponse } from '@cohort/contracts';
import { bestBound } from './plan-account';
import { type MechanismCount, type PrivacyArithmetic, wireEpsilon } from './privacy-arithmetic';

export interface StoredModelPrivacy extends Omit<ModelPrivacyResponse, 'epsilon' | 'accountant' | 'epsilonPld'> {
  /** The plan's rounds per (q, z) up to this version. */
  readonly mechanisms: readonly MechanismCount[];
  /** undefined: not computed yet; null: unbounded. */
  readonly epsilonPld?: number | null;
}

export function completeModelPrivacy(stored: StoredModelPrivacy, arithmetic: PrivacyArithmetic): ModelPrivacyResponse {
  const { mechanisms, epsilonPld: storedPld, ...rest } = stored;
  const epsilonPld = storedPld === undefined ? arithmetic.pldEpsilon(mechanisms) : (storedPld ?? Infinity);
  const best = bestBound(stored.epsilonRdp ?? Infinity, epsilonPld);
  return { ...rest, epsilon: wireEpsilon(best.epsilon), accountant: best.accountant, epsilonPld: wireEpsilon(epsilonPld) };
}
