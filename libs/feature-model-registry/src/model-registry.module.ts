import { type DynamicModule, Module } from '@nestjs/common';
import { CatalogEmbeddedConsumer } from './catalog/catalog-embedded.consumer';
import { CatalogEmbeddingRepository } from './catalog/catalog-embedding.repository';
import { CatalogEmbeddingsService } from './catalog/catalog-embeddings.service';
import { MODEL_REGISTRY_OPTIONS, type ModelRegistryOptions } from './model-registry.options';
import { AggregateReadyConsumer } from './versions/aggregate-ready.consumer';
import { ModelPrivacyConsumer } from './versions/model-privacy.consumer';
import { ModelVersionRepository } from './versions/model-version.repository';
import { ModelVersionsService } from './versions/model-versions.service';
import { ModelsController } from './versions/models.controller';
import { PlanDefinedConsumer } from './versions/plan-defined.consumer';

/** model-registry: versions, lineage, artifacts, privacy guarantees, evaluation and stages, and the embedded catalog of content plans. */
@Module({})
export class ModelRegistryModule {
  static forRoot(options: ModelRegistryOptions): DynamicModule {
    return {
      module: ModelRegistryModule,
      controllers: [ModelsController],
      providers: [
        { provide: MODEL_REGISTRY_OPTIONS, useValue: options }, ModelVersionRepository, ModelVersionsService, CatalogEmbeddingRepository, CatalogEmbeddingsService,
        AggregateReadyConsumer, ModelPrivacyConsumer, PlanDefinedConsumer, CatalogEmbeddedConsumer,
      ],
      exports: [ModelVersionsService],
    };
  }
}
