/**
 * Before every round the scheduler asks the accountant which users can still afford one more
 * round of the plan's mechanism; only those are sampled (the individual privacy filter).
 */
import type { PlanId, RoundMechanism, UserId } from '@cohort/contracts';

export interface BudgetGate {
  eligibleUsers(planId: PlanId, candidates: readonly UserId[], mechanism: RoundMechanism): Promise<UserId[]>;
}

export const BUDGET_GATE = Symbol.for('cohort.BudgetGate');
