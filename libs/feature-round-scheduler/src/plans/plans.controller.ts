/**
 * HTTP of training plans (operators): define a plan (`POST /v1/plans`: 201, 409 when it exists),
 * create or replace one (`PUT /v1/plans/{planId}`: 201 or 200), list and read them. Bodies are
 * `TrainingPlan` (@cohort/contracts); a bad one is a 400 problem+json naming each field.
 */
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PlanId, TrainingPlan, type TrainingPlanList, type TrainingPlanView } from '@cohort/contracts';
import { parseWith, Roles, ZodValidationPipe } from '@cohort/nest-common';
import { PlansService } from './plans.service';

@Controller('v1/plans')
export class PlansController {
  constructor(@Inject(PlansService) private readonly plans: PlansService) {}

  @Post()
  @HttpCode(201)
  @Roles('operator')
  async create(@Body(new ZodValidationPipe(TrainingPlan)) body: TrainingPlan): Promise<TrainingPlanView> {
    return (await this.plans.define(body, 'create')).view;
  }

  /** The path names the plan; the body may leave `planId` out, and must not name another. */
  @Put(':planId')
  @Roles('operator')
  async replace(
    @Param('planId', new ZodValidationPipe(PlanId)) planId: PlanId,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TrainingPlanView> {
    const named = typeof body === 'object' && body !== null && !Array.isArray(body) ? { planId, ...body } : body;
    const plan = parseWith(TrainingPlan.refine((p) => p.planId === planId, { message: `must be ${planId}, the plan of the path`, path: ['planId'] }), named, 'body');
    const { view, created } = await this.plans.define(plan, 'replace');
    response.status(created ? 201 : 200);
    return view;
  }

  @Get()
  @Roles('operator')
  async list(): Promise<TrainingPlanList> {
    return { plans: await this.plans.list() };
  }

  @Get(':planId')
  @Roles('operator')
  get(@Param('planId', new ZodValidationPipe(PlanId)) planId: PlanId): Promise<TrainingPlanView> {
    return this.plans.view(planId);
  }
}
