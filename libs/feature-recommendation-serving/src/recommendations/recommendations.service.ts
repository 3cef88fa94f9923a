/**
 * Recommendations from the served snapshot: the model's scores, without the items the shopper
 * has just seen, best first. Items the model does not know are ignored (the catalog can be newer
 * than the model).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { RecommendationRequest, RecommendationResponse } from '@cohort/contracts';
import { topK } from '@cohort/ml';
import { RecommendationServingError, RecommendationServingErrorCode } from './recommendation-serving.error';
import { ServingModel } from './serving-model';

@Injectable()
export class RecommendationsService {
  constructor(@Inject(ServingModel) private readonly model: ServingModel) {}

  recommend(request: RecommendationRequest): RecommendationResponse {
    const snapshot = this.model.current();
    if (snapshot === null) {
      throw new RecommendationServingError(RecommendationServingErrorCode.NoModelLoaded, 'no model version is in production yet; retry after the first promotion');
    }
    const seen = new Set(request.context.recentItemIds.flatMap((id) => snapshot.indexOf.get(id) ?? []));
    return {
      modelVersion: snapshot.modelVersion,
      privacy: snapshot.privacy,
      items: topK(snapshot.scores, request.limit, seen).map(({ index, score }) => ({ itemId: snapshot.itemIds[index], score })),
    };
  }
}
