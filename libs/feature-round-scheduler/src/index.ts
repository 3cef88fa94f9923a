/** @cohort/feature-round-scheduler — plans, rounds, sampling and check-in (round-scheduler's domain). */
export { RoundSchedulerModule, type RoundSchedulerOptions } from './round-scheduler.module';
export { PlanSettings } from './plans/plan-settings';
export { PlansService } from './plans/plans.service';
export { BUDGET_GATE, type BudgetGate } from './budget/budget-gate.port';
export { HttpBudgetGate } from './budget/http-budget-gate';
export { RoundsService } from './rounds/rounds.service';
export type { RoundRecord, RoundState } from './rounds/round.repository';
export { RoundSchedulerError, RoundSchedulerErrorCode } from './rounds/round-scheduler.error';
export { roundSchedulerConfigShape, planFromConfig, type RoundSchedulerConfig } from './round-scheduler.config';
