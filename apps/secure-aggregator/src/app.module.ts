import { type DynamicModule, Module } from '@nestjs/common';
import { BINARY_ROUTES, SecureAggregatorModule, secureAggregatorOptionsFromConfig } from '@cohort/feature-secure-aggregator';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { SecureAggregatorConfig } from './secure-aggregator.config';

@Module({})
export class AppModule {
  static forRoot(config: SecureAggregatorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CohortCommonModule.forRoot({ service: 'secure-aggregator', config, http: { rawBody: { routes: BINARY_ROUTES } } }),
        CohortInfrastructureModule.forRoot(config),
        SecureAggregatorModule.forRoot(secureAggregatorOptionsFromConfig(config)),
      ],
    };
  }
}
