import { type DynamicModule, Module } from '@nestjs/common';
import { RECOMMENDATION_SERVING_HTTP_OPTIONS, RecommendationServingModule } from '@cohort/feature-recommendation-serving';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { RecommendationServingConfig } from './recommendation-serving.config';

@Module({})
export class AppModule {
  static forRoot(config: RecommendationServingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // The catalog API takes base64 images in JSON: a larger JSON limit than the 1 MiB default on its route.
        CohortCommonModule.forRoot({ service: 'recommendation-serving', config, http: RECOMMENDATION_SERVING_HTTP_OPTIONS }),
        CohortInfrastructureModule.forRoot(config),
        RecommendationServingModule.forRoot({ planId: config.COHORT_PLAN_ID, instanceId: config.COHORT_INSTANCE_ID }),
      ],
    };
  }
}
