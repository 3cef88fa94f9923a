/** The one exception class of model-registry, with its string codes. */
import { DomainError, type DomainErrorKind } from '@cohort/nest-common';

export enum ModelRegistryErrorCode {
  VersionNotFound = 'version-not-found',
  BaseVersionMissing = 'base-version-missing',
  DimensionMismatch = 'dimension-mismatch',
  VersionNotCharged = 'version-not-charged',
  NoContent = 'no-content',
  EvaluationAlreadyReported = 'evaluation-already-reported',
  CorruptRecord = 'corrupt-record',
  PlanNotTrainable = 'plan-not-trainable',
  ArchitectureChanged = 'architecture-changed',
  InvalidEmbedding = 'invalid-embedding',
}

const KIND: Record<ModelRegistryErrorCode, DomainErrorKind> = {
  [ModelRegistryErrorCode.VersionNotFound]: 'not-found',
  [ModelRegistryErrorCode.BaseVersionMissing]: 'internal',
  [ModelRegistryErrorCode.DimensionMismatch]: 'internal',
  [ModelRegistryErrorCode.VersionNotCharged]: 'conflict',
  [ModelRegistryErrorCode.NoContent]: 'not-found',
  [ModelRegistryErrorCode.EvaluationAlreadyReported]: 'conflict',
  [ModelRegistryErrorCode.CorruptRecord]: 'internal',
  [ModelRegistryErrorCode.PlanNotTrainable]: 'invalid',
  [ModelRegistryErrorCode.ArchitectureChanged]: 'conflict',
  [ModelRegistryErrorCode.InvalidEmbedding]: 'invalid',
};

export class ModelRegistryError extends DomainError<ModelRegistryErrorCode> {
  constructor(code: ModelRegistryErrorCode, message: string) {
    super(code, KIND[code], message);
  }
}
