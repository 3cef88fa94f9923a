/**
 * REST of dp-accountant: the scheduler's budget checks (operator) and the reads of compliance
 * officers (compliance or operator), described by the OpenAPI document served publicly here.
 */
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  AuditQuery, BudgetCheckRequest, LedgerQuery, ModelVersion, PlanId, UserId, UserPrivacyQuery,
  type BudgetCheckResponse, type LedgerPage, type LedgerVerification, type ModelPrivacyResponse, type PlanAuditReport,
  type PlanPrivacyResponse, type UserPrivacyResponse,
} from '@cohort/contracts';
import { Public, Roles, ZodValidationPipe } from '@cohort/nest-common';
import { PrivacyBudgetService } from '../budget/privacy-budget.service';
import { auditCsv } from './audit-csv';
import { privacyOpenApiDocument } from './openapi.document';
import { PrivacyQueryService } from './privacy-query.service';

@Controller('v1/privacy')
export class PrivacyController {
  constructor(
    @Inject(PrivacyBudgetService) private readonly budget: PrivacyBudgetService,
    @Inject(PrivacyQueryService) private readonly queries: PrivacyQueryService,
  ) {}

  @Post('budget-checks')
  @HttpCode(200)
  @Roles('operator')
  async budgetCheck(@Body(new ZodValidationPipe(BudgetCheckRequest)) body: BudgetCheckRequest): Promise<BudgetCheckResponse> {
    return { eligibleUserIds: await this.budget.eligibleUsers(body.planId, body.userIds, body.mechanism) };
  }

  @Get('openapi.json')
  @Public()
  openapi(): Record<string, unknown> {
    return privacyOpenApiDocument();
  }

  @Get('users/:userId')
  @Roles('compliance', 'operator')
  user(@Param('userId', new ZodValidationPipe(UserId)) userId: UserId, @Query(new ZodValidationPipe(UserPrivacyQuery)) query: UserPrivacyQuery): Promise<UserPrivacyResponse> {
    return this.queries.user(userId, query.accountant);
  }

  @Get('plans/:planId')
  @Roles('compliance', 'operator')
  plan(@Param('planId', new ZodValidationPipe(PlanId)) planId: PlanId): Promise<PlanPrivacyResponse> {
    return this.queries.plan(planId);
  }

  @Get('plans/:planId/audit')
  @Roles('compliance', 'operator')
  async audit(
    @Param('planId', new ZodValidationPipe(PlanId)) planId: PlanId,
    @Query(new ZodValidationPipe(AuditQuery)) query: AuditQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PlanAuditReport | string> {
    const report = await this.queries.audit(planId);
    const csv = query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/i.test(accept ?? ''));
    if (!csv) return report;
    response.type('text/csv; charset=utf-8');
    response.setHeader('content-disposition', `attachment; filename="privacy-audit-${planId.replaceAll(':', '_')}.csv"`);
    return auditCsv(report);
  }

  @Get('models/:modelVersion')
  @Roles('compliance', 'operator')
  model(@Param('modelVersion', new ZodValidationPipe(ModelVersion)) modelVersion: ModelVersion): Promise<ModelPrivacyResponse> {
    return this.queries.model(modelVersion);
  }

  @Get('ledger/verify')
  @Roles('compliance', 'operator')
  verify(): Promise<LedgerVerification> {
    return this.queries.verify();
  }

  @Get('ledger')
  @Roles('compliance', 'operator')
  ledger(@Query(new ZodValidationPipe(LedgerQuery)) query: LedgerQuery): Promise<LedgerPage> {
    return this.queries.ledger(query);
  }
}
