/** Events of the model registry: versions written by rounds, and promotions between stages. */
import { z } from 'zod';
import { BlobRef } from '../blob-ref';
import { ModelVersion, PlanId, RoundId } from '../ids';
import { TOPICS } from '../topics';
import { defineEvent } from './define-event';

export const ModelStage = z.enum(['candidate', 'staging', 'production']);
export type ModelStage = z.infer<typeof ModelStage>;

export const PrivacyGuarantee = z.object({
  epsilon: z.number().nonnegative().nullable(),
  delta: z.number().min(0).max(1).nullable(),
});
export type PrivacyGuarantee = z.infer<typeof PrivacyGuarantee>;

export const ModelVersionPublished = defineEvent({
  type: 'ModelVersionPublished',
  version: 1,
  topic: TOPICS.modelVersionPublished,
  payload: z.object({
    modelVersion: ModelVersion,
    planId: PlanId,
    /** The round that produced it; null for the initial version. */
    roundId: RoundId.nullable(),
    baseVersion: ModelVersion.nullable(),
    roundNumber: z.number().int().nonnegative(),
    artifact: BlobRef,
    /** Number of trainable parameters (the length of every update for rounds on this version). */
    dimension: z.number().int().positive(),
    contributors: z.number().int().nonnegative(),
    expectedCohortSize: z.number().nonnegative(),
  }),
  keyOf: (p) => p.planId,
});

export const ModelVersionPromoted = defineEvent({
  type: 'ModelVersionPromoted',
  version: 1,
  topic: TOPICS.modelVersionPromoted,
  payload: z.object({
    modelVersion: ModelVersion,
    planId: PlanId,
    stage: ModelStage,
    /** The model manifest (`TwoTowerModelManifest` JSON). */
    artifact: BlobRef,
    privacy: PrivacyGuarantee,
    /** The shared parameters (Float32 LE) the manifest names; absent on events of older producers. */
    parameters: BlobRef.optional(),
    /** The catalog's content embeddings (Float32 LE) for content plans. */
    content: BlobRef.nullable().optional(),
  }),
  keyOf: (p) => p.planId,
});
