/**
 * dp-accountant's environment variables (a zod shape that apps merge into their one config
 * schema) and the module options they map to. Defaults are documented in docs/dp-accountant.md.
 */
import { z } from 'zod';
import { LEDGER_MAX_INLINE_USER_IDS } from '@cohort/contracts';

export const dpAccountantConfigShape = {
  /** ε every user may spend, over every plan, at COHORT_DELTA (RDP accountant). */
  COHORT_USER_EPSILON_CAP: z.coerce.number().positive().default(10),
  /** δ of every reported ε and of the caps; keep it well below 1 / population. */
  COHORT_DELTA: z.coerce.number().gt(0).lt(1).default(1e-6),
  /** Optional cap on a plan's own ε (the composition of all its rounds); unset: none. */
  COHORT_PLAN_EPSILON_CAP: z.coerce.number().positive().optional(),
  /** Eligible users listed inline in a ledger entry up to this many; more go to the blob store. */
  COHORT_LEDGER_INLINE_USERS: z.coerce.number().int().min(0).max(LEDGER_MAX_INLINE_USER_IDS).default(1000),
  /** Start-up replay of the ledger ends after this long without a ledger record. */
  COHORT_LEDGER_REPLAY_QUIET_MS: z.coerce.number().int().min(0).max(600_000).optional(),
};

const DpAccountantConfigValues = z.object(dpAccountantConfigShape);

export interface DpAccountantOptions {
  readonly userEpsilonCap: number;
  readonly delta: number;
  readonly planEpsilonCap: number | null;
  readonly inlineUserIds: number;
  /** How long the ledger must stay quiet at start before RoundCommitted is consumed. */
  readonly replayQuietMs: number;
  /** How long one append may wait to see its own record on the ledger. */
  readonly appendTimeoutMs: number;
}

export const DP_ACCOUNTANT_OPTIONS = Symbol.for('cohort.DpAccountantOptions');

/**
 * Options from an app's parsed config. Variables the app's schema does not carry take their
 * defaults, so an app that has not merged `dpAccountantConfigShape` yet still gets sane caps.
 */
export function dpAccountantOptionsFromConfig(config: Readonly<Record<string, unknown>>): DpAccountantOptions {
  const values = DpAccountantConfigValues.parse(config);
  const distributed = config['COHORT_MODE'] === 'distributed';
  return {
    userEpsilonCap: values.COHORT_USER_EPSILON_CAP,
    delta: values.COHORT_DELTA,
    planEpsilonCap: values.COHORT_PLAN_EPSILON_CAP ?? null,
    inlineUserIds: values.COHORT_LEDGER_INLINE_USERS,
    // Kafka answers an idle fetch after about a second; the embedded bus at once.
    replayQuietMs: values.COHORT_LEDGER_REPLAY_QUIET_MS ?? (distributed ? 2_000 : 50),
    appendTimeoutMs: 15_000,
  };
}
