import { type DynamicModule, Module } from '@nestjs/common';
import { ClientRegistryModule, clientRegistryOptionsFromConfig } from '@cohort/feature-client-registry';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { ClientRegistryConfig } from './client-registry.config';

@Module({})
export class AppModule {
  static forRoot(config: ClientRegistryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CohortCommonModule.forRoot({ service: 'client-registry', config }),
        CohortInfrastructureModule.forRoot(config),
        ClientRegistryModule.forRoot(clientRegistryOptionsFromConfig(config)),
      ],
    };
  }
}
