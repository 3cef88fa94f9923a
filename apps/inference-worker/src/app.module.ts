/**
 * inference-worker: the multi-modal item encoder (text + image, ONNX Runtime, cpu or cuda) behind
 * a dynamic batcher. Embeds every catalog item (CatalogItemUpserted → CatalogItemEmbedded) and
 * answers `POST /v1/embed` at query time; ready once the encoder is warmed up.
 */
import { type DynamicModule, Module } from '@nestjs/common';
import { InferenceWorkerModule, inferenceWorkerHttpOptions, inferenceWorkerOptionsFromConfig } from '@cohort/feature-inference-worker';
import { CohortCommonModule, CohortInfrastructureModule } from '@cohort/nest-common';
import type { InferenceWorkerConfig } from './inference-worker.config';

@Module({})
export class AppModule {
  static forRoot(config: InferenceWorkerConfig): DynamicModule {
    const options = inferenceWorkerOptionsFromConfig(config);
    return {
      module: AppModule,
      imports: [
        CohortCommonModule.forRoot({ service: 'inference-worker', config, http: inferenceWorkerHttpOptions(options) }),
        CohortInfrastructureModule.forRoot(config),
        InferenceWorkerModule.forRoot(options),
      ],
    };
  }
}
