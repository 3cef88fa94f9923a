/** `POST /v1/recommendations` for commerce backends. */
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { RecommendationRequest, type RecommendationResponse } from '@cohort/contracts';
import { Roles, ZodValidationPipe } from '@cohort/nest-common';
import { RecommendationsService } from './recommendations.service';

@Controller('v1/recommendations')
export class RecommendationsController {
  constructor(@Inject(RecommendationsService) private readonly recommendations: RecommendationsService) {}

  @Post()
  @HttpCode(200)
  @Roles('commerce-backend', 'operator')
  recommend(@Body(new ZodValidationPipe(RecommendationRequest)) body: RecommendationRequest): RecommendationResponse {
    return this.recommendations.recommend(body);
  }
}
