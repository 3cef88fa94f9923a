/**
 * HTTP of round-scheduler: operators open and inspect rounds; devices check in for their task
 * (204 when they were not sampled this round).
 */
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CheckInRequest, PlanId, RoundId, type TrainingTask } from '@cohort/contracts';
import { Roles, ZodValidationPipe } from '@cohort/nest-common';
import { RoundsService } from './rounds.service';
import type { RoundRecord } from './round.repository';

/** What operators see of a round: the cohort is summarised, never listed. */
function summary(round: RoundRecord) {
  const { cohort, eligibleUserIds, ...rest } = round;
  return { ...rest, cohortSize: cohort.length, eligibleUsers: eligibleUserIds.length };
}

@Controller('v1')
export class RoundsController {
  constructor(@Inject(RoundsService) private readonly rounds: RoundsService) {}

  @Post('plans/:planId/rounds')
  @HttpCode(201)
  @Roles('operator')
  async open(@Param('planId', new ZodValidationPipe(PlanId)) planId: PlanId) {
    return summary(await this.rounds.open(planId));
  }

  @Get('rounds/:roundId')
  @Roles('operator')
  async get(@Param('roundId', new ZodValidationPipe(RoundId)) roundId: RoundId) {
    return summary(await this.rounds.find(roundId));
  }

  @Post('rounds/check-in')
  @Roles('device')
  async checkIn(
    @Body(new ZodValidationPipe(CheckInRequest)) body: CheckInRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TrainingTask | undefined> {
    const task = await this.rounds.checkIn(body.clientId, body.planId);
    if (task === null) {
      response.status(204);
      return undefined;
    }
    return task;
  }
}
