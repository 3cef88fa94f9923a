/**
 * The model version serving answers from: the two-tower recommender of the latest promotion to
 * production, its catalog, and the (ε, δ) it was trained under. Loading applies the item tower to
 * the whole catalog once (the catalog table); a request then costs one user-tower pass over its
 * context and one dot product per item, exact top-k (ANN is the serving issue's).
 *
 * Invariant: a version swaps in whole (model, catalog and guarantee in one snapshot), so no answer
 * mixes two versions; versions are only ever promoted with their guarantee, so every answer
 * carries the (ε, δ) of the rounds trained into it.
 */
import { Injectable } from '@nestjs/common';
import type { ItemId, PrivacyGuarantee, TwoTowerModelManifest } from '@cohort/contracts';
import { CatalogRanker, TwoTowerModel, catalogItemInputs, twoTowerLayout } from '@cohort/ml';

export interface ServingSnapshot {
  readonly modelVersion: string;
  readonly privacy: PrivacyGuarantee;
  readonly itemIds: readonly ItemId[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly ranker: CatalogRanker;
}

@Injectable()
export class ServingModel {
  private snapshot: ServingSnapshot | null = null;

  current(): ServingSnapshot | null {
    return this.snapshot;
  }

  load(manifest: TwoTowerModelManifest, privacy: PrivacyGuarantee, params: Float32Array, content?: Float32Array): ServingSnapshot {
    const layout = twoTowerLayout(manifest.config);
    const ranker = new CatalogRanker(new TwoTowerModel(layout), params, catalogItemInputs(layout.config, manifest.itemIds, content));
    ranker.catalogTable(); // built before the swap, not on the first request
    this.snapshot = {
      modelVersion: manifest.modelVersion,
      privacy,
      itemIds: manifest.itemIds,
      indexOf: new Map(manifest.itemIds.map((id, index) => [id, index])),
      ranker,
    };
    return this.snapshot;
  }
}
