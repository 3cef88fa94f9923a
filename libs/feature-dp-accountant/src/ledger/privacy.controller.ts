/** REST of dp-accountant: budget checks for the scheduler, reads for compliance officers. */
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { BudgetCheckRequest, PlanId, UserId, type BudgetCheckResponse } from '@cohort/contracts';
import { Roles, ZodValidationPipe } from '@cohort/nest-common';
import { LedgerService } from './ledger.service';

const LedgerPage = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

@Controller('v1/privacy')
export class PrivacyController {
  constructor(@Inject(LedgerService) private readonly ledger: LedgerService) {}

  @Post('budget-checks')
  @HttpCode(200)
  @Roles('operator')
  async budgetCheck(@Body(new ZodValidationPipe(BudgetCheckRequest)) body: BudgetCheckRequest): Promise<BudgetCheckResponse> {
    return { eligibleUserIds: await this.ledger.eligibleUsers(body.planId, body.userIds, body.mechanism) };
  }

  @Get('users/:userId')
  @Roles('compliance', 'operator')
  user(@Param('userId', new ZodValidationPipe(UserId)) userId: UserId) {
    return this.ledger.user(userId);
  }

  @Get('plans/:planId')
  @Roles('compliance', 'operator')
  plan(@Param('planId', new ZodValidationPipe(PlanId)) planId: PlanId) {
    return this.ledger.plan(planId);
  }

  @Get('ledger')
  @Roles('compliance', 'operator')
  async entries(@Query(new ZodValidationPipe(LedgerPage)) page: z.infer<typeof LedgerPage>) {
    return { offset: page.offset, limit: page.limit, entries: await this.ledger.entries(page.offset, page.limit) };
  }
}
