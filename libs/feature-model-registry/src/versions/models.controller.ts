/**
 * HTTP of model-registry: devices fetch the manifest, parameters and content of the version they
 * train and report held-out evaluations; operators list, inspect and promote versions.
 */
import { Body, Controller, Get, Header, Headers, HttpCode, Inject, Param, Post, StreamableFile } from '@nestjs/common';
import { z } from 'zod';
import { CLIENT_ID_HEADER, ClientId, ModelEvaluationReport, ModelStage, ModelVersion, PlanId, type ModelEvaluation } from '@cohort/contracts';
import { parseWith, Roles, ZodValidationPipe } from '@cohort/nest-common';
import { type EvaluationSums } from './model-version.repository';
import { ModelVersionsService } from './model-versions.service';

const PromoteRequest = z.object({ stage: ModelStage }).strict();

function evaluationOf(modelVersion: ModelVersion, sums: EvaluationSums): ModelEvaluation {
  const mean = (x: number) => (sums.users === 0 ? null : x / sums.users);
  return { modelVersion, users: sums.users, hr10: mean(sums.hr10), ndcg10: mean(sums.ndcg10), recall20: mean(sums.recall20), ndcg20: mean(sums.ndcg20) };
}

@Controller('v1')
export class ModelsController {
  constructor(@Inject(ModelVersionsService) private readonly versions: ModelVersionsService) {}

  @Get('models/:version/artifact')
  @Roles('device', 'operator')
  artifact(@Param('version', new ZodValidationPipe(ModelVersion)) version: ModelVersion) {
    return this.versions.manifest(version);
  }

  @Get('models/:version/parameters')
  @Roles('device', 'operator')
  @Header('content-type', 'application/octet-stream')
  async parameters(@Param('version', new ZodValidationPipe(ModelVersion)) version: ModelVersion): Promise<StreamableFile> {
    return new StreamableFile(await this.versions.parameters(version));
  }

  @Get('models/:version/content')
  @Roles('device', 'operator')
  @Header('content-type', 'application/octet-stream')
  async content(@Param('version', new ZodValidationPipe(ModelVersion)) version: ModelVersion): Promise<StreamableFile> {
    return new StreamableFile(await this.versions.content(version));
  }

  @Post('models/:version/evaluations')
  @HttpCode(202)
  @Roles('device')
  async evaluate(
    @Param('version', new ZodValidationPipe(ModelVersion)) version: ModelVersion,
    @Headers(CLIENT_ID_HEADER) clientIdHeader: unknown,
    @Body(new ZodValidationPipe(ModelEvaluationReport)) body: ModelEvaluationReport,
  ): Promise<ModelEvaluation> {
    const clientId = parseWith(ClientId, clientIdHeader, `header ${CLIENT_ID_HEADER}`);
    return evaluationOf(version, await this.versions.addEvaluation(version, clientId, body));
  }

  @Get('models/:version/evaluation')
  @Roles('operator')
  async evaluation(@Param('version', new ZodValidationPipe(ModelVersion)) version: ModelVersion): Promise<ModelEvaluation> {
    await this.versions.find(version);
    return evaluationOf(version, await this.versions.evaluation(version));
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
