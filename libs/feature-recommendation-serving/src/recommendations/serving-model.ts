/**
 * The model being served, swapped whole on promotion: a request reads one immutable snapshot,
 * so a hot swap never mixes two versions in one answer.
 *
 * Each version's privacy guarantee comes from dp-accountant (ModelPrivacyComputed) and may arrive
 * before or after the version's promotion: guarantees are kept by version, a version loaded later
 * gets its guarantee at load, and a guarantee for the version being served replaces its snapshot.
 * Until one is known the snapshot says `null` (unknown), never a guess.
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

/** Guarantees remembered for versions not (or no longer) served; oldest forgotten first. */
const KNOWN_GUARANTEES = 1_000;

const isKnown = (privacy: PrivacyGuarantee) => privacy.epsilon !== null || privacy.delta !== null;

@Injectable()
export class ServingModel {
  private snapshot: ServingSnapshot | null = null;
  private readonly guarantees = new Map<string, PrivacyGuarantee>();

  current(): ServingSnapshot | null {
    return this.snapshot;
  }

  load(modelVersion: string, privacy: PrivacyGuarantee, artifact: PopularityModelArtifact): ServingSnapshot {
    this.snapshot = {
      modelVersion,
      privacy: isKnown(privacy) ? privacy : (this.guarantees.get(modelVersion) ?? privacy),
      itemIds: artifact.itemIds,
      indexOf: new Map(artifact.itemIds.map((id, index) => [id, index])),
      scores: softmax(artifact.logits),
    };
    return this.snapshot;
  }

  /** Records a version's guarantee; the served snapshot takes it when it is that version. */
  setPrivacy(modelVersion: string, privacy: PrivacyGuarantee): void {
    this.guarantees.delete(modelVersion);
    this.guarantees.set(modelVersion, privacy);
    if (this.guarantees.size > KNOWN_GUARANTEES) this.guarantees.delete(this.guarantees.keys().next().value!);
    if (this.snapshot?.modelVersion === modelVersion) this.snapshot = { ...this.snapshot, privacy };
  }
}
