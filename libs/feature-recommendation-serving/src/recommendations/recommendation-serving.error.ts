/** The one exception class of recommendation-serving, with its string codes. */
import { DomainError, type DomainErrorKind } from '@cohort/nest-common';

export enum RecommendationServingErrorCode {
  NoModelLoaded = 'no-model-loaded',
}

const KIND: Record<RecommendationServingErrorCode, DomainErrorKind> = {
  [RecommendationServingErrorCode.NoModelLoaded]: 'unavailable',
};

export class RecommendationServingError extends DomainError<RecommendationServingErrorCode> {
  constructor(code: RecommendationServingErrorCode, message: string) {
    super(code, KIND[code], message);
  }
}
