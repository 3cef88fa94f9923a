/** @cohort/feature-model-registry — model versions, lineage and promotion, and the embedded catalog of content plans (model-registry's domain). */
export { ModelRegistryModule } from './model-registry.module';
export { ModelVersionsService } from './versions/model-versions.service';
export type { ModelRegistryOptions, PlanModel } from './model-registry.options';
export type { ModelVersionRecord } from './versions/model-version.repository';
export { ModelRegistryError, ModelRegistryErrorCode } from './versions/model-registry.error';
export { modelRegistryConfigShape, modelRegistryOptionsFromConfig, planModelConfig, type ModelRegistryConfig } from './model-registry.config';
