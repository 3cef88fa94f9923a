/** The options of ModelRegistryModule (built from config by `modelRegistryOptionsFromConfig`) and the plan model they list. */
import type { BlobRef, LocalTrainingPlan, PlanId, ServerOptimizer, TwoTowerConfig } from '@cohort/contracts';

export const MODEL_REGISTRY_OPTIONS = Symbol.for('cohort.ModelRegistryOptions');

/** What a plan trains: its model, its catalog, how devices train and how the server steps. */
export interface PlanModel {
  readonly planId: PlanId;
  readonly itemIds: readonly string[];
  readonly config: TwoTowerConfig;
  readonly training: LocalTrainingPlan;
  readonly optimizer: ServerOptimizer;
  /** Seed of the initial parameters. */
  readonly seed: number;
  /** itemIds.length × config.contentDim content embeddings, for content plans. */
  readonly content?: Float32Array;
  /** Where `content` already is in the blob store (a defined plan's catalog snapshot); absent: stored on first use. */
  readonly contentBlob?: BlobRef;
}

export interface ModelRegistryOptions {
  /** The configured plans; the first is the template of the plans operators define (its catalog, content, seed, defaults). */
  readonly plans: readonly PlanModel[];
  /** Promote every charged version to production (standalone and demos); otherwise operators promote. */
  readonly autoPromote: boolean;
  /** Width of the encoder's item embeddings (CatalogItemEmbedded); an embedding of another width is refused. */
  readonly catalogEmbeddingDim: number;
}
