/** The scheduler's budget check against dp-accountant, before every round. */
import { z } from 'zod';
import { PlanId, UserId } from '../ids';
import { RoundMechanism } from '../events/round.events';

export const BudgetCheckRequest = z
  .object({
    planId: PlanId,
    userIds: z.array(UserId).max(1_000_000),
    mechanism: RoundMechanism,
  })
  .strict();
export type BudgetCheckRequest = z.infer<typeof BudgetCheckRequest>;

export const BudgetCheckResponse = z.object({ eligibleUserIds: z.array(UserId) });
export type BudgetCheckResponse = z.infer<typeof BudgetCheckResponse>;
