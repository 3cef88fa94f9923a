import { type DynamicModule, Module } from '@nestjs/common';
import { DpAccountantModule, dpAccountantOptionsFromConfig } from '@cohort/feature-dp-accountant';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { DpAccountantConfig } from './dp-accountant.config';

@Module({})
export class AppModule {
  static forRoot(config: DpAccountantConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CohortCommonModule.forRoot({ service: 'dp-accountant', config }),
        CohortInfrastructureModule.forRoot(config),
        DpAccountantModule.forRoot(dpAccountantOptionsFromConfig(config)),
      ],
    };
  }
}
