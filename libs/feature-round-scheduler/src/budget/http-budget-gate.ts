/** BudgetGate over HTTP: `POST /v1/privacy/budget-checks` on dp-accountant (distributed mode). */
import { BudgetCheckResponse, type PlanId, type RoundMechanism, type UserId } from '@cohort/contracts';
import { injectTraceHeaders } from '@cohort/nest-common';
import type { BudgetGate } from './budget-gate.port';
import { RoundSchedulerError, RoundSchedulerErrorCode } from '../rounds/round-scheduler.error';

export class HttpBudgetGate implements BudgetGate {
  constructor(
    private readonly accountantUrl: string,
    private readonly apiKey: string,
  ) {}

  async eligibleUsers(planId: PlanId, candidates: readonly UserId[], mechanism: RoundMechanism): Promise<UserId[]> {
    let response: Response;
    try {
      response = await fetch(new URL('/v1/privacy/budget-checks', this.accountantUrl), {
        method: 'POST',
        headers: injectTraceHeaders({ 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` }),
        body: JSON.stringify({ planId, userIds: candidates, mechanism }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new RoundSchedulerError(RoundSchedulerErrorCode.BudgetCheckFailed, `dp-accountant at ${this.accountantUrl} is unreachable: ${(error as Error).message}`);
    }
    if (!response.ok) {
      throw new RoundSchedulerError(RoundSchedulerErrorCode.BudgetCheckFailed, `dp-accountant answered ${response.status} to the budget check`);
    }
    return BudgetCheckResponse.parse(await response.json()).eligibleUserIds;
  }
}
