import { type DynamicModule, Module } from '@nestjs/common';
import { HttpBudgetGate, planFromConfig, RoundSchedulerModule } from '@cohort/feature-round-scheduler';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { RoundSchedulerConfig } from './round-scheduler.config';

@Module({})
export class AppModule {
  static forRoot(config: RoundSchedulerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CohortCommonModule.forRoot({ service: 'round-scheduler', config }),
        CohortInfrastructureModule.forRoot(config),
        RoundSchedulerModule.forRoot({
          plans: [planFromConfig(config)],
          budgetGate: { useValue: new HttpBudgetGate(config.COHORT_ACCOUNTANT_URL, config.COHORT_SERVICE_API_KEY) },
        }),
      ],
    };
  }
}
