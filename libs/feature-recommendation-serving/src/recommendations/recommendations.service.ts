/**
 * Recommendations for commerce backends: the served version's user tower over the request's
 * context (its recent items, taken as the user's one known order; unknown items are ignored), a
 * score for every catalog item, and the exact top `limit` of the items not in the context.
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
    const context = request.context.recentItemIds.flatMap((id) => snapshot.indexOf.get(id) ?? []);
    const scores = snapshot.ranker.scoreCatalog(context.length === 0 ? [] : [context], null);
    return {
      modelVersion: snapshot.modelVersion,
      privacy: snapshot.privacy,
      items: topK(scores, request.limit, new Set(context)).map(({ index, score }) => ({ itemId: snapshot.itemIds[index]!, score })),
    };
  }
}
