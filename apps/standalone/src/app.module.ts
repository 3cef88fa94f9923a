/**
 * Every service of Cohort in one Nest application (the item encoder, inference-worker, runs on its
 * own until recommendations use embeddings): one port, the embedded bus and in-memory
 * stores behind the same ports the distributed adapters implement. The scheduler asks the
 * accountant in-process instead of over HTTP.
 */
import { hostname } from 'node:os';
import { type DynamicModule, Module } from '@nestjs/common';
import { ClientRegistryModule } from '@cohort/feature-client-registry';
import { DpAccountantModule, dpAccountantOptionsFromConfig, PrivacyBudgetService } from '@cohort/feature-dp-accountant';
import { ModelRegistryModule, modelRegistryOptionsFromConfig } from '@cohort/feature-model-registry';
import { RecommendationServingModule } from '@cohort/feature-recommendation-serving';
import { planFromConfig, RoundSchedulerModule, type BudgetGate } from '@cohort/feature-round-scheduler';
import { BINARY_ROUTES, SecureAggregatorModule, secureAggregatorOptionsFromConfig } from '@cohort/feature-secure-aggregator';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { StandaloneConfig } from './standalone.config';

@Module({})
export class StandaloneModule {
  static forRoot(config: StandaloneConfig): DynamicModule {
    const accountant = DpAccountantModule.forRoot(dpAccountantOptionsFromConfig(config));
    return {
      module: StandaloneModule,
      imports: [
        CohortCommonModule.forRoot({ service: 'cohort-standalone', config, http: { rawBody: { routes: BINARY_ROUTES } } }),
        CohortInfrastructureModule.forRoot(config),
        ClientRegistryModule,
        accountant,
        RoundSchedulerModule.forRoot({
          plans: [planFromConfig(config)],
          imports: [accountant],
          budgetGate: {
            inject: [PrivacyBudgetService],
            useFactory: (budget: PrivacyBudgetService): BudgetGate => ({ eligibleUsers: (...args) => budget.eligibleUsers(...args) }),
          },
        }),
        SecureAggregatorModule.forRoot(secureAggregatorOptionsFromConfig(config)),
        ModelRegistryModule.forRoot(modelRegistryOptionsFromConfig(config)),
        RecommendationServingModule.forRoot({ planId: config.COHORT_PLAN_ID, instanceId: `${hostname()}-${process.pid}` }),
      ],
    };
  }
}
