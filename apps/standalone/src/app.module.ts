/**
 * Every service of Cohort in one Nest application (the item encoder, inference-worker, runs on its
 * own: the standalone plan's item tower is ID-only, as Instacart has no product content): one port, the embedded bus and in-memory
 * stores behind the same ports the distributed adapters implement. The scheduler asks the
 * accountant in-process instead of over HTTP. The registry trusts an attestation issuer created
 * here at boot (besides any configured): its public key is handed over in-process, and the
 * simulated devices get their tokens from it (`app.get(LocalAttestationIssuer)`).
 */
import { hostname } from 'node:os';
import { type DynamicModule, Module } from '@nestjs/common';
import { ClientRegistryModule, clientRegistryOptionsFromConfig, LocalAttestationIssuer } from '@cohort/feature-client-registry';
import { DpAccountantModule, dpAccountantOptionsFromConfig, PrivacyBudgetService } from '@cohort/feature-dp-accountant';
import { ModelRegistryModule, modelRegistryOptionsFromConfig } from '@cohort/feature-model-registry';
import { RECOMMENDATION_SERVING_HTTP_OPTIONS, RecommendationServingModule } from '@cohort/feature-recommendation-serving';
import { planFromConfig, RoundSchedulerModule, type BudgetGate } from '@cohort/feature-round-scheduler';
import { BINARY_ROUTES, SecureAggregatorModule, secureAggregatorOptionsFromConfig, type NoiseSource } from '@cohort/feature-secure-aggregator';
import { CohortCommonModule, CohortInfrastructureModule, combineHttpOptions } from '@cohort/nest-common';
import type { StandaloneConfig } from './standalone.config';

/** The `iss` of the in-process attestation issuer. */
export const STANDALONE_ATTESTATION_ISSUER = 'cohort-standalone-attestation';

@Module({})
export class StandaloneModule {
  /**
   * `itemIds`: the plan's catalog (the population's items); a synthetic one when absent.
   * `noise`: the aggregator's noise source (tests record what it adds); the CSPRNG sampler by default.
   */
  static forRoot(config: StandaloneConfig, itemIds?: readonly string[], noise?: NoiseSource): DynamicModule {
    const accountant = DpAccountantModule.forRoot(dpAccountantOptionsFromConfig(config));
    const attestation = new LocalAttestationIssuer({ issuer: STANDALONE_ATTESTATION_ISSUER, audience: config.COHORT_ATTESTATION_AUDIENCE });
    return {
      module: StandaloneModule,
      providers: [{ provide: LocalAttestationIssuer, useValue: attestation }],
      imports: [
        // Each route's body limit as in the service that owns it (secure-aggregator, recommendation-serving).
        CohortCommonModule.forRoot({ service: 'cohort-standalone', config, http: combineHttpOptions({ rawBody: { routes: BINARY_ROUTES } }, RECOMMENDATION_SERVING_HTTP_OPTIONS) }),
        CohortInfrastructureModule.forRoot(config),
        ClientRegistryModule.forRoot(clientRegistryOptionsFromConfig(config, [attestation.trustedIssuer()])),
        accountant,
        RoundSchedulerModule.forRoot({
          plans: [planFromConfig(config)],
          imports: [accountant],
          budgetGate: {
            inject: [PrivacyBudgetService],
            useFactory: (budget: PrivacyBudgetService): BudgetGate => ({ eligibleUsers: (...args) => budget.eligibleUsers(...args) }),
          },
        }),
        SecureAggregatorModule.forRoot({ ...secureAggregatorOptionsFromConfig(config), ...(noise === undefined ? {} : { noise }) }),
        ModelRegistryModule.forRoot(modelRegistryOptionsFromConfig(config, itemIds)),
        RecommendationServingModule.forRoot({ planId: config.COHORT_PLAN_ID, instanceId: `${hostname()}-${process.pid}` }),
      ],
    };
  }
}
