/** @cohort/feature-recommendation-serving — the recommendation API (recommendation-serving's domain). */
export { RecommendationServingModule } from './recommendation-serving.module';
export { RecommendationsService } from './recommendations/recommendations.service';
export { ServingModel, type ServingSnapshot } from './recommendations/serving-model';
export type { ServingOptions } from './recommendations/model-promoted.consumer';
export { RecommendationServingError, RecommendationServingErrorCode } from './recommendations/recommendation-serving.error';
