import { type DynamicModule, Module } from '@nestjs/common';
import { ModelRegistryModule, modelRegistryOptionsFromConfig } from '@cohort/feature-model-registry';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { ModelRegistryConfig } from './model-registry.config';

@Module({})
export class AppModule {
  static forRoot(config: ModelRegistryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CohortCommonModule.forRoot({ service: 'model-registry', config }),
        CohortInfrastructureModule.forRoot(config),
        ModelRegistryModule.forRoot(modelRegistryOptionsFromConfig(config)),
      ],
    };
  }
}
