/**
 * inference-worker: the deployable exists (health, metrics, config, bus) so the platform's shape
 * is complete; the multi-modal item encoder it will run is the encoder issue's work and is not
 * here yet — the worker consumes nothing and embeds nothing today.
 */
import { type DynamicModule, Module } from '@nestjs/common';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { InferenceWorkerConfig } from './inference-worker.config';

@Module({})
export class AppModule {
  static forRoot(config: InferenceWorkerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CohortCommonModule.forRoot({ service: 'inference-worker', config }), CohortInfrastructureModule.forRoot(config)],
    };
  }
}
