import { type DynamicModule, Module } from '@nestjs/common';
import { RecommendationServingModule } from '@cohort/feature-recommendation-serving';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { RecommendationServingConfig } from './recommendation-serving.config';

@Module({})
export class AppModule {
  static forRoot(config: RecommendationServingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CohortCommonModule.forRoot({ service: 'recommendation-serving', config }),
        CohortInfrastructureModule.forRoot(config),
        RecommendationServingModule.forRoot({ planId: config.COHORT_PLAN_ID, instanceId: config.COHORT_INSTANCE_ID }),
      ],
    };
  }
}
