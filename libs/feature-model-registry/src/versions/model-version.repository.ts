/**
 * Model version records (with their lineage and, once the accountant reported it, their privacy
 * guarantee), the list of each plan's versions, the federated evaluation sums per version, and
 * the definitions of plans operators defined on the scheduler (TrainingPlanDefined, with a content
 * plan's catalog snapshot).
 * Every stored record is parsed with its schema on read: a corrupt value fails loudly.
 */
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { BlobRef, ItemId, ModelStage, ModelVersionPublished, PrivacyAccountantKind, TrainingPlanDefined, type ClientId, type ModelVersion, type PlanId } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';
import { ModelRegistryError, ModelRegistryErrorCode } from './model-registry.error';

/** The accountant's guarantee for a version: everything trained into it, composed. */
export const VersionPrivacy = z.object({
  epsilon: z.number().nonnegative().nullable(),
  delta: z.number().min(0).max(1),
  /** Rounds of the plan composed into the guarantee. */
  rounds: z.number().int().nonnegative(),
  accountant: PrivacyAccountantKind.nullable(),
  /** The ledger entry of the round that produced the version (0 for the initial version). */
  sequence: z.number().int().nonnegative(),
});
export type VersionPrivacy = z.infer<typeof VersionPrivacy>;

/** What the registry keeps of a version: everything ModelVersionPublished announced, and more. */
export const ModelVersionRecord = ModelVersionPublished.payload.extend({
  parameters: BlobRef,
  content: BlobRef.nullable(),
  /** FedAdam's moments (Float32 m then v), server-side only; null for FedAvg and the initial version. */
  optimizerState: BlobRef.nullable(),
  optimizerStep: z.number().int().nonnegative(),
  /** σ of the Gaussian noise in the aggregate this version was built from. */
  noiseStddev: z.number().nonnegative(),
  stage: ModelStage,
  createdAt: z.string(),
  /** Null until the accountant has charged the version's round: such a version is never served. */
  privacy: VersionPrivacy.nullable(),
});
export type ModelVersionRecord = z.infer<typeof ModelVersionRecord>;

/**
 * A content plan's catalog, snapshot from the embedded catalog when the plan was first defined:
 * its items in manifest order and their content (Float32, itemIds.length × contentDim) as a blob.
 */
export const PlanCatalog = z.object({
  encoderVersion: z.string().min(1),
  itemIds: z.array(ItemId).min(2),
  content: BlobRef,
});
export type PlanCatalog = z.infer<typeof PlanCatalog>;

/**
 * What the registry keeps of an operator's plan: the latest TrainingPlanDefined, as published,
 * and, for a content plan, the catalog it was given when first defined (kept by every redefinition).
 */
export const PlanDefinition = TrainingPlanDefined.payload.extend({ catalog: PlanCatalog.optional() });
export type PlanDefinition = z.infer<typeof PlanDefinition>;

/** Metric sums of the devices that evaluated a version (summed, never stored per device). */
export const EvaluationSums = z.object({
  users: z.number().int().nonnegative(),
  hr10: z.number().nonnegative(),
  ndcg10: z.number().nonnegative(),
  recall20: z.number().nonnegative(),
  ndcg20: z.number().nonnegative(),
});
export type EvaluationSums = z.infer<typeof EvaluationSums>;

/** Sums are kept as integers of 10⁻⁹ (the store adds integers exactly). */
const FIXED_POINT = 1e9;
const METRICS = ['hr10', 'ndcg10', 'recall20', 'ndcg20'] as const;

const versionKey = (version: ModelVersion) => `registry:version:${version}`;
const planVersionsKey = (planId: PlanId) => `registry:plan:${planId}:versions`;
const evaluationKey = (version: ModelVersion) => `registry:evaluation:${version}`;
const evaluatedKey = (version: ModelVersion, clientId: ClientId) => `registry:evaluation:${version}:device:${clientId}`;
const planDefinitionKey = (planId: PlanId) => `registry:plan:${planId}:definition`;

@Injectable()
export class ModelVersionRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  async find(version: ModelVersion): Promise<ModelVersionRecord | null> {
    const raw = await this.store.get(versionKey(version));
    if (raw === null) return null;
    const parsed = ModelVersionRecord.safeParse(JSON.parse(raw));
    if (!parsed.success) {
      throw new ModelRegistryError(ModelRegistryErrorCode.CorruptRecord, `the stored record of ${version} does not match its schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  /** Adds a new version; false (and nothing written) when that version already exists. */
  add(record: ModelVersionRecord): Promise<boolean> {
    return this.store.commit(
      [
        { op: 'set', key: versionKey(record.modelVersion), value: JSON.stringify(record) },
        { op: 'listPush', key: planVersionsKey(record.planId), values: [record.modelVersion] },
      ],
      { unlessExists: `${versionKey(record.modelVersion)}:added` },
    );
  }

  async update(record: ModelVersionRecord): Promise<ModelVersionRecord> {
    await this.store.set(versionKey(record.modelVersion), JSON.stringify(ModelVersionRecord.parse(record)));
    return record;
  }

  async list(planId: PlanId): Promise<ModelVersionRecord[]> {
    const versions = (await this.store.listRange(planVersionsKey(planId), 0, -1)) as ModelVersion[];
    const records = await Promise.all(versions.map((version) => this.find(version)));
    return records.filter((record): record is ModelVersionRecord => record !== null);
  }

  /** Adds one device's sums to the version's; false when that device already reported. */
  addEvaluation(version: ModelVersion, clientId: ClientId, sums: EvaluationSums): Promise<boolean> {
    const key = evaluationKey(version);
    return this.store.commit(
      [
        { op: 'hashIncrBy', key, field: 'users', by: sums.users },
        ...METRICS.map((field) => ({ op: 'hashIncrBy' as const, key, field, by: Math.round(sums[field] * FIXED_POINT) })),
      ],
      { unlessExists: evaluatedKey(version, clientId) },
    );
  }

  async evaluation(version: ModelVersion): Promise<EvaluationSums> {
    const raw = await this.store.hashGetAll(evaluationKey(version));
    const read = (field: string) => Number(raw[field] ?? 0);
    return EvaluationSums.parse({
      users: read('users'),
      ...Object.fromEntries(METRICS.map((field) => [field, read(field) / FIXED_POINT])),
    });
  }

  async planDefinition(planId: PlanId): Promise<PlanDefinition | null> {
    const raw = await this.store.get(planDefinitionKey(planId));
    if (raw === null) return null;
    const parsed = PlanDefinition.safeParse(JSON.parse(raw));
    if (!parsed.success) {
      throw new ModelRegistryError(ModelRegistryErrorCode.CorruptRecord, `the stored definition of plan ${planId} does not match its schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  async savePlanDefinition(definition: PlanDefinition): Promise<void> {
    await this.store.set(planDefinitionKey(definition.planId), JSON.stringify(PlanDefinition.parse(definition)));
  }
}
