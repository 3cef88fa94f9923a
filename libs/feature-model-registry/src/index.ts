/** @cohort/feature-model-registry — model versions, lineage and promotion (model-registry's domain). */
export { ModelRegistryModule } from './model-registry.module';
export { ModelVersionsService, type ModelRegistryOptions, type PlanModel } from './versions/model-versions.service';
export type { ModelVersionRecord } from './versions/model-version.repository';
export { ModelRegistryError, ModelRegistryErrorCode } from './versions/model-registry.error';
export { modelRegistryConfigShape, modelRegistryOptionsFromConfig, planModelConfig, type ModelRegistryConfig } from './model-registry.config';
