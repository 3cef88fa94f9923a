/**
 * The model a round trains, as model-registry serves it to devices and recommendation-serving:
 * the two-tower recommender of DESIGN.md ("Model"). `GET /v1/models/{version}/artifact` answers
 * the manifest below; the shared parameters (Float32 little-endian, `dimension` entries in the
 * layout of `@cohort/ml`'s `twoTowerLayout(config)`) and, for content plans, the catalog's frozen
 * content embeddings (Float32, items × contentDim) are octet-stream downloads named by the
 * manifest, each with its length and SHA-256 so the device can check what it got.
 */
import { z } from 'zod';
import { ItemId, ModelVersion, PlanId } from '../ids';

/** The architecture of a plan's model; fixed for the plan's lifetime (its updates must add up). */
export const TwoTowerConfig = z
  .object({
    /** Width of the frozen item content embedding (960 from the encoder); 0: no content tower. */
    contentDim: z.number().int().min(0).max(4096),
    /** Rows of the hashed item-ID embedding; 0: no ID embedding. */
    idBuckets: z.number().int().min(0).max(1 << 20),
    embeddingDim: z.number().int().min(1).max(512),
    hiddenDim: z.number().int().min(1).max(2048),
    /** Weight of an order k orders back in the user's pooled history: poolingDecay^k. */
    poolingDecay: z.number().gt(0).lte(1),
    /** Recency feature of an item last bought k orders back: recencyDecay^k. */
    recencyDecay: z.number().gt(0).lt(1),
  })
  .strict()
  .refine((c) => c.contentDim > 0 || c.idBuckets > 0, { message: 'the item tower needs content (contentDim > 0), item ids (idBuckets > 0) or both' });
export type TwoTowerConfig = z.infer<typeof TwoTowerConfig>;

/** How a device trains in a round (federated reconstruction, Singhal et al. 2021). */
export const LocalTrainingPlan = z
  .object({
    epochs: z.number().int().min(1).max(100),
    learningRate: z.number().positive(),
    /** Catalog negatives per example. */
    negatives: z.number().int().min(1).max(10_000),
    loss: z.enum(['sampled-softmax', 'bpr']),
    /** Passes over the examples that fit the private vector before the shared step (0: none). */
    reconstructionEpochs: z.number().int().min(0).max(100),
    privateLearningRate: z.number().positive(),
    /** L2 penalty on the private vector (keeps a user with little data near the shared model). */
    privateL2: z.number().nonnegative(),
    /** The most recent orders used as examples per epoch (bounds a heavy user's cost). */
    maxExamplesPerEpoch: z.number().int().min(1).max(10_000),
  })
  .strict();
export type LocalTrainingPlan = z.infer<typeof LocalTrainingPlan>;

/** The server step applied to each round's noised aggregate. */
export const ServerOptimizer = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fedavg'), learningRate: z.number().positive() }).strict(),
  z
    .object({
      kind: z.literal('fedadam'),
      learningRate: z.number().positive(),
      beta1: z.number().min(0).lt(1).default(0.9),
      beta2: z.number().min(0).lt(1).default(0.99),
      /** Adaptivity: larger τ makes FedAdam behave more like FedAvg with momentum. */
      tau: z.number().positive().default(1e-3),
    })
    .strict(),
]);
export type ServerOptimizer = z.infer<typeof ServerOptimizer>;

/** A download named by the manifest. */
export const ModelDownload = z.object({
  /** Path on model-registry (octet-stream). */
  path: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ModelDownload = z.infer<typeof ModelDownload>;

export const TwoTowerModelManifest = z.object({
  format: z.literal('two-tower-v1'),
  modelVersion: ModelVersion,
  planId: PlanId,
  config: TwoTowerConfig,
  training: LocalTrainingPlan,
  /** The catalog, in the order of the content rows and of every score. */
  itemIds: z.array(ItemId).min(1).max(2_000_000),
  /** Number of shared parameters (the update dimension). */
  dimension: z.number().int().positive(),
  parameters: ModelDownload,
  /** Items × contentDim Float32 content embeddings; null for ID-only plans. */
  content: ModelDownload.nullable(),
});
export type TwoTowerModelManifest = z.infer<typeof TwoTowerModelManifest>;

/**
 * `POST /v1/models/{version}/evaluations` (device): one held-out device's leave-last-order-out
 * metric sums for its one user (`@cohort/ml` evaluation). The registry only adds them up.
 */
export const ModelEvaluationReport = z
  .object({
    users: z.literal(1),
    hr10: z.number().min(0).max(1),
    ndcg10: z.number().min(0).max(1),
    recall20: z.number().min(0).max(1),
    ndcg20: z.number().min(0).max(1),
  })
  .strict();
export type ModelEvaluationReport = z.infer<typeof ModelEvaluationReport>;

/** The federated evaluation of a version so far: the devices' sums and their means. */
export const ModelEvaluation = z.object({
  modelVersion: ModelVersion,
  users: z.number().int().nonnegative(),
  /** Means over `users`; null before any device reported. */
  hr10: z.number().nullable(),
  ndcg10: z.number().nullable(),
  recall20: z.number().nullable(),
  ndcg20: z.number().nullable(),
});
export type ModelEvaluation = z.infer<typeof ModelEvaluation>;
