/**
 * The model being served, swapped whole on promotion: a request reads one immutable snapshot,
 * so a hot swap never mixes two versions in one answer.
 */
import { Injectable } from '@nestjs/common';
import type { ItemId, PopularityModelArtifact, PrivacyGuarantee } from '@cohort/contracts';
import { softmax } from '@cohort/ml';

export interface ServingSnapshot {
  readonly modelVersion: string;
  readonly privacy: PrivacyGuarantee;
  readonly itemIds: readonly ItemId[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly scores: Float64Array;
}

@Injectable()
export class ServingModel {
  private snapshot: ServingSnapshot | null = null;

  current(): ServingSnapshot | null {
    return this.snapshot;
  }

  load(modelVersion: string, privacy: PrivacyGuarantee, artifact: PopularityModelArtifact): ServingSnapshot {
    this.snapshot = {
      modelVersion,
      privacy,
      itemIds: artifact.itemIds,
      indexOf: new Map(artifact.itemIds.map((id, index) => [id, index])),
      scores: softmax(artifact.logits),
    };
    return this.snapshot;
  }
}
