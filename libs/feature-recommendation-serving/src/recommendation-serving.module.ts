import { type DynamicModule, Module } from '@nestjs/common';
import { CatalogController } from './catalog/catalog.controller';
import { CatalogService } from './catalog/catalog.service';
import { ModelPromotedConsumer, SERVING_OPTIONS, type ServingOptions } from './recommendations/model-promoted.consumer';
import { RecommendationsController } from './recommendations/recommendations.controller';
import { RecommendationsService } from './recommendations/recommendations.service';
import { ServingModel } from './recommendations/serving-model';

/** recommendation-serving: the recommendation API over the production model, hot-swapped; the catalog API for commerce backends. */
@Module({})
export class RecommendationServingModule {
  static forRoot(options: ServingOptions): DynamicModule {
    return {
      module: RecommendationServingModule,
      controllers: [RecommendationsController, CatalogController],
      providers: [{ provide: SERVING_OPTIONS, useValue: options }, ServingModel, RecommendationsService, ModelPromotedConsumer, CatalogService],
      exports: [RecommendationsService, ServingModel],
    };
  }
}
