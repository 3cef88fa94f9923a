/** @cohort/feature-recommendation-serving — the recommendation and catalog APIs (recommendation-serving's domain). */
export { RecommendationServingModule } from './recommendation-serving.module';
export { RecommendationsService } from './recommendations/recommendations.service';
export { ServingModel, type ServingSnapshot } from './recommendations/serving-model';
export type { ServingOptions } from './recommendations/model-promoted.consumer';
export { RecommendationServingError, RecommendationServingErrorCode } from './recommendations/recommendation-serving.error';
export { CatalogService } from './catalog/catalog.service';
export { CATALOG_JSON_LIMIT, CATALOG_MAX_IMAGE_BYTES } from './catalog/catalog-image';
export { CATALOG_ITEM_ROUTE, RECOMMENDATION_SERVING_HTTP_OPTIONS } from './recommendation-serving.http-options';
