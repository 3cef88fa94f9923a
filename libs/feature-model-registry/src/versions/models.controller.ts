/**
 * HTTP of model-registry: devices fetch the artifact of the version they train; operators list,
 * inspect and promote versions.
 */
import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { ModelStage, ModelVersion, PlanId } from '@cohort/contracts';
import { Roles, ZodValidationPipe } from '@cohort/nest-common';
import { ModelVersionsService } from './model-versions.service';

const PromoteRequest = z.object({ stage: ModelStage }).strict();

@Controller('v1')
export class ModelsController {
  constructor(@Inject(ModelVersionsService) private readonly versions: ModelVersionsService) {}

  @Get('models/:version/artifact')
  @Roles('device', 'operator')
  artifact(@Param('version', new ZodValidationPipe(ModelVersion)) version: ModelVersion) {
    return this.versions.artifact(version);
  }

  @Get('models/:version')
  @Roles('operator')
  get(@Param('version', new ZodValidationPipe(ModelVersion)) version: ModelVersion) {
    return this.versions.find(version);
  }

  @Get('plans/:planId/models')
  @Roles('operator')
  list(@Param('planId', new ZodValidationPipe(PlanId)) planId: PlanId) {
    return this.versions.list(planId);
  }

  @Post('models/:version/promote')
  @Roles('operator')
  async promote(
    @Param('version', new ZodValidationPipe(ModelVersion)) version: ModelVersion,
    @Body(new ZodValidationPipe(PromoteRequest)) body: z.infer<typeof PromoteRequest>,
  ) {
    return this.versions.promote(await this.versions.find(version), body.stage);
  }
}
