import { type DynamicModule, Module } from '@nestjs/common';
import { AggregateReadyConsumer } from './versions/aggregate-ready.consumer';
import { ModelPrivacyConsumer } from './versions/model-privacy.consumer';
import { ModelVersionRepository } from './versions/model-version.repository';
import { MODEL_REGISTRY_OPTIONS, ModelVersionsService, type ModelRegistryOptions } from './versions/model-versions.service';
import { ModelsController } from './versions/models.controller';
import { PlanDefinedConsumer } from './versions/plan-defined.consumer';

/** model-registry: versions, lineage, artifacts, privacy guarantees, evaluation and stages. */
@Module({})
export class ModelRegistryModule {
  static forRoot(options: ModelRegistryOptions): DynamicModule {
    return {
      module: ModelRegistryModule,
      controllers: [ModelsController],
      providers: [{ provide: MODEL_REGISTRY_OPTIONS, useValue: options }, ModelVersionRepository, ModelVersionsService, AggregateReadyConsumer, ModelPrivacyConsumer, PlanDefinedConsumer],
      exports: [ModelVersionsService],
    };
  }
}
