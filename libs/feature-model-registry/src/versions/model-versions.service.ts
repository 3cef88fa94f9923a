/**
 * Model versions of the two-tower recommender: each plan's initial version (seeded parameters) —
 * at start for the configured plans, on TrainingPlanDefined for the plans operators define on the
 * scheduler —, one new version per noised aggregate (DP-FedAvg server step with the fixed denominator q·N, then
 * FedAvg or FedAdam), the accountant's guarantee per version, federated evaluation sums, and
 * promotion between stages.
 *
 * Invariants:
 * - version ids are deterministic (`<plan>:v<round number>`), so a redelivered aggregate finds
 *   its version and changes nothing; the event is published before the record is written, so a
 *   crash in between re-publishes (harmless: the scheduler's commit is idempotent);
 * - a version is promoted only once its round was committed and charged (the accountant's
 *   ModelPrivacyComputed arrived), so every served answer carries a real (ε, δ); the initial
 *   version learnt from no one and carries (0, 0);
 * - an operator's plan takes what its definition leaves out from the first configured plan; an
 *   ID-only plan trains on that plan's catalog, a content plan on the embedded catalog as it was
 *   when the plan was first defined (one encoder version, the newest; stored with the definition,
 *   so a restart rebuilds the same plan); its architecture and catalog are fixed by the definition
 *   that created its initial version, while its local training plan and server optimizer follow
 *   the latest definition (each applies from the next version on).
 */
import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import {
  ModelVersion, ModelVersionPromoted, ModelVersionPublished, TwoTowerModelManifest,
  type AggregateReady, type BlobRef, type ClientId, type Envelope, type ModelPrivacyComputed,
  type ModelStage, type PayloadOf, type PlanId, type TrainingPlanDefined, type TwoTowerConfig,
} from '@cohort/contracts';
import { applyServerStep, initProjectionFromContent, initTwoTowerParameters, twoTowerLayout, type ServerOptimizerState } from '@cohort/ml';
import { CatalogEmbeddingsService } from '../catalog/catalog-embeddings.service';
import { MODEL_REGISTRY_OPTIONS, type ModelRegistryOptions, type PlanModel } from '../model-registry.options';
import { ModelRegistryError, ModelRegistryErrorCode } from './model-registry.error';
import { ModelVersionRepository, type EvaluationSums, type ModelVersionRecord, type PlanCatalog, type PlanDefinition } from './model-version.repository';

const FLOAT32 = 'application/vnd.cohort.float32-le';
const MANIFEST = 'application/vnd.cohort.two-tower-manifest+json';
const tracer = trace.getTracer('cohort-model-registry');

const floats = (bytes: Uint8Array) => new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const bytesOf = (values: Float32Array) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
const download = (path: string, ref: BlobRef) => ({ path, bytes: ref.byteLength, sha256: ref.sha256 });

@Injectable()
export class ModelVersionsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ModelVersionsService.name);
  private readonly contentRefs = new Map<PlanId, Promise<BlobRef>>();
  /** Defined content plans' catalog content, read from the blob store once per process. */
  private readonly catalogContents = new Map<PlanId, Promise<Float32Array>>();

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(ModelVersionRepository) private readonly versions: ModelVersionRepository,
    @Inject(CatalogEmbeddingsService) private readonly catalog: CatalogEmbeddingsService,
    @Inject(MODEL_REGISTRY_OPTIONS) private readonly options: ModelRegistryOptions,
  ) {
    for (const plan of options.plans) {
      const { contentDim } = twoTowerLayout(plan.config).config;
      if (contentDim > 0 && plan.content?.length !== plan.itemIds.length * contentDim) {
        throw new RangeError(`plan ${plan.planId} has a content tower of width ${contentDim}, so it needs ${plan.itemIds.length} × ${contentDim} content values; got ${plan.content?.length ?? 'none'}`);
      }
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const plan of this.options.plans) await this.ensureInitialVersion(plan);
  }

  private async plan(planId: PlanId): Promise<PlanModel> {
    const configured = this.options.plans.find((p) => p.planId === planId);
    if (configured !== undefined) return configured;
    const definition = await this.versions.planDefinition(planId);
    if (definition === null) throw new ModelRegistryError(ModelRegistryErrorCode.VersionNotFound, `plan ${planId} is neither configured in this registry nor defined on the scheduler`);
    return this.planOf(definition);
  }

  /** The template of operators' plans (the first configured plan); refuses a plan when there is none. */
  private template(planId: PlanId): PlanModel {
    const template = this.options.plans[0];
    if (template === undefined) {
      throw new ModelRegistryError(ModelRegistryErrorCode.PlanNotTrainable, `plan ${planId} cannot be trained here: this registry has no configured plan to take its defaults from`);
    }
    return template;
  }

  private configOf(definition: PayloadOf<typeof TrainingPlanDefined>): TwoTowerConfig {
    return definition.model ?? this.template(definition.planId).config;
  }

  /**
   * An operator's plan: the definition's choices over the template's defaults and seed; an ID-only
   * plan trains on the template's catalog, a content plan on the catalog snapshot of its definition.
   */
  private async planOf(definition: PlanDefinition): Promise<PlanModel> {
    const template = this.template(definition.planId);
    const config = this.configOf(definition);
    const plan: PlanModel = {
      planId: definition.planId,
      itemIds: template.itemIds,
      config,
      training: { ...template.training, ...definition.training },
      optimizer: definition.serverOptimizer ?? template.optimizer,
      seed: template.seed,
    };
    const { contentDim } = twoTowerLayout(config).config;
    if (contentDim === 0) return plan;
    if (definition.catalog === undefined) {
      throw new ModelRegistryError(ModelRegistryErrorCode.PlanNotTrainable, `plan ${definition.planId} has a content tower but its stored definition has no catalog snapshot; define a new plan`);
    }
    return {
      ...plan, itemIds: definition.catalog.itemIds, content: await this.catalogContent(definition.planId, definition.catalog, contentDim),
      contentBlob: definition.catalog.content,
    };
  }

  private catalogContent(planId: PlanId, catalog: PlanCatalog, contentDim: number): Promise<Float32Array> {
    let content = this.catalogContents.get(planId);
    if (content === undefined) {
      content = this.blobs.get(catalog.content).then((bytes) => {
        const values = floats(bytes);
        if (values.length !== catalog.itemIds.length * contentDim) {
          throw new ModelRegistryError(ModelRegistryErrorCode.CorruptRecord, `the catalog content of plan ${planId} has ${values.length} values; its ${catalog.itemIds.length} items × ${contentDim} need ${catalog.itemIds.length * contentDim}`);
        }
        return values;
      });
      content.catch(() => this.catalogContents.delete(planId));
      this.catalogContents.set(planId, content);
    }
    return content;
  }

  /** Snapshots the embedded catalog for a new content plan and stores its content (once: the blob store is content-addressed). */
  private async snapshotCatalog(planId: PlanId, contentDim: number): Promise<PlanCatalog> {
    const snapshot = await this.catalog.snapshot(planId, contentDim);
    const content = await this.blobs.put(bytesOf(snapshot.content), FLOAT32);
    return { encoderVersion: snapshot.encoderVersion, itemIds: [...snapshot.itemIds], content };
  }

  /**
   * An operator defined or redefined a plan on the scheduler: keep its definition and, the first
   * time, publish its initial version (so the scheduler can open rounds for it). A content plan's
   * first definition snapshots the embedded catalog; later ones keep that snapshot, since the
   * plan's versions are built on it. A configured plan is this registry's to define: a definition
   * of one changes nothing.
   */
  async definePlan(payload: PayloadOf<typeof TrainingPlanDefined>): Promise<void> {
    if (this.options.plans.some((p) => p.planId === payload.planId)) {
      this.logger.warn({ planId: payload.planId }, 'definition of a configured plan ignored: it is configured in this registry');
      return;
    }
    const config = this.configOf(payload);
    const previous = await this.versions.planDefinition(payload.planId);
    if (previous !== null && !isDeepStrictEqual(this.configOf(previous), config)) {
      throw new ModelRegistryError(
        ModelRegistryErrorCode.ArchitectureChanged,
        `plan ${payload.planId} was defined with another architecture, on which its versions are built; define a new plan for this one`,
      );
    }
    const { contentDim } = twoTowerLayout(config).config;
    const catalog = contentDim === 0 ? undefined : previous?.catalog ?? (await this.snapshotCatalog(payload.planId, contentDim));
    const definition: PlanDefinition = { ...payload, ...(catalog === undefined ? {} : { catalog }) };
    const plan = await this.planOf(definition);
    await this.versions.savePlanDefinition(definition);
    await this.ensureInitialVersion(plan);
    this.logger.log({ planId: payload.planId, items: plan.itemIds.length, encoderVersion: catalog?.encoderVersion }, 'training plan defined');
  }

  private async ensureInitialVersion(plan: PlanModel): Promise<void> {
    const modelVersion = ModelVersion.parse(`${plan.planId}:v0`);
    if ((await this.versions.find(modelVersion)) !== null) return;
    const layout = twoTowerLayout(plan.config);
    const params = initTwoTowerParameters(layout, plan.seed);
    // A content plan starts from the catalog's principal directions: public data, no ε (docs/model.md).
    if (plan.content !== undefined && layout.config.contentDim > 0) initProjectionFromContent(layout, params, plan.content, plan.seed);
    const record = await this.publishVersion(plan, {
      modelVersion, planId: plan.planId, roundId: null, baseVersion: null, roundNumber: 0,
      dimension: params.length, contributors: 0, expectedCohortSize: 0, noiseStddev: 0,
      stage: 'candidate', createdAt: new Date().toISOString(),
      // Learnt from no user: the initial version spends nothing.
      privacy: { epsilon: 0, delta: 0, rounds: 0, accountant: null, sequence: 0 },
    }, params, { step: 0 });
    if (record !== null) await this.promote(record, 'production');
  }

  async applyAggregate({ payload }: Envelope<'AggregateReady', PayloadOf<typeof AggregateReady>>): Promise<void> {
    const modelVersion = ModelVersion.parse(`${payload.planId}:v${payload.roundNumber}`);
    if ((await this.versions.find(modelVersion)) !== null) return; // already applied
    await tracer.startActiveSpan('model.apply-aggregate', { attributes: { 'cohort.round_id': payload.roundId } }, async (span) => {
      try {
        const plan = await this.plan(payload.planId);
        const base = await this.versions.find(payload.baseModelVersion);
        if (base === null) {
          throw new ModelRegistryError(ModelRegistryErrorCode.BaseVersionMissing, `round ${payload.roundId} trained ${payload.baseModelVersion}, which the registry does not have`);
        }
        if (base.dimension !== payload.dimension) {
          throw new ModelRegistryError(ModelRegistryErrorCode.DimensionMismatch, `aggregate has ${payload.dimension} entries; ${base.modelVersion} has ${base.dimension}`);
        }
        const params = floats(await this.blobs.get(base.parameters));
        const sum = floats(await this.blobs.get(payload.sum));
        const step = applyServerStep(params, await this.optimizerState(base), sum, payload.expectedCohortSize, plan.optimizer);
        await this.publishVersion(plan, {
          modelVersion, planId: payload.planId, roundId: payload.roundId, baseVersion: base.modelVersion, roundNumber: payload.roundNumber,
          dimension: base.dimension, contributors: payload.contributors, expectedCohortSize: payload.expectedCohortSize,
          noiseStddev: payload.noiseStddev, stage: 'candidate', createdAt: new Date().toISOString(), privacy: null,
        }, step.params, step.state);
      } finally {
        span.end();
      }
    });
  }

  /** The accountant charged the version's round: record its guarantee, and promote when configured to. */
  async recordPrivacy(payload: PayloadOf<typeof ModelPrivacyComputed>): Promise<void> {
    const record = await this.versions.find(payload.modelVersion);
    if (record === null || record.privacy !== null) return; // another registry's version, or a redelivery
    const updated = await this.versions.update({
      ...record,
      privacy: { epsilon: payload.epsilon, delta: payload.delta, rounds: payload.rounds, accountant: payload.accountant, sequence: payload.sequence },
    });
    this.logger.log({ modelVersion: record.modelVersion, epsilon: payload.epsilon, delta: payload.delta }, 'model version charged');
    if (this.options.autoPromote) await this.promote(updated, 'production');
  }

  async find(version: ModelVersion): Promise<ModelVersionRecord> {
    const record = await this.versions.find(version);
    if (record === null) throw new ModelRegistryError(ModelRegistryErrorCode.VersionNotFound, `model version ${version} does not exist`);
    return record;
  }

  list(planId: PlanId): Promise<ModelVersionRecord[]> {
    return this.versions.list(planId);
  }

  async manifest(version: ModelVersion): Promise<TwoTowerModelManifest> {
    const record = await this.find(version);
    return TwoTowerModelManifest.parse(JSON.parse(new TextDecoder().decode(await this.blobs.get(record.artifact))));
  }

  async parameters(version: ModelVersion): Promise<Uint8Array> {
    return this.blobs.get((await this.find(version)).parameters);
  }

  async content(version: ModelVersion): Promise<Uint8Array> {
    const record = await this.find(version);
    if (record.content === null) throw new ModelRegistryError(ModelRegistryErrorCode.NoContent, `model version ${version} has no content tower`);
    return this.blobs.get(record.content);
  }

  /** One held-out device's metric sums; a device reports once per version. */
  async addEvaluation(version: ModelVersion, clientId: ClientId, sums: EvaluationSums): Promise<EvaluationSums> {
    await this.find(version);
    if (!(await this.versions.addEvaluation(version, clientId, sums))) {
      throw new ModelRegistryError(ModelRegistryErrorCode.EvaluationAlreadyReported, `device ${clientId} already reported its evaluation of ${version}`);
    }
    return this.versions.evaluation(version);
  }

  evaluation(version: ModelVersion): Promise<EvaluationSums> {
    return this.versions.evaluation(version);
  }

  async promote(record: ModelVersionRecord, stage: ModelStage): Promise<ModelVersionRecord> {
    if (record.privacy === null) {
      throw new ModelRegistryError(
        ModelRegistryErrorCode.VersionNotCharged,
        `${record.modelVersion} cannot be promoted yet: its round has not been committed and charged by the accountant; promote it once its guarantee is recorded`,
      );
    }
    await this.bus.publish(ModelVersionPromoted, {
      modelVersion: record.modelVersion, planId: record.planId, stage, artifact: record.artifact,
      privacy: { epsilon: record.privacy.epsilon, delta: record.privacy.delta },
      parameters: record.parameters, content: record.content,
    });
    const updated = await this.versions.update({ ...record, stage });
    this.logger.log({ modelVersion: record.modelVersion, stage }, 'model version promoted');
    return updated;
  }

  /** A plan's content never changes: it is stored (and hashed) once per process, not per version; a snapshot's is stored already. */
  private async contentRef(plan: PlanModel): Promise<BlobRef | null> {
    if (plan.content === undefined) return null;
    if (plan.contentBlob !== undefined) return plan.contentBlob;
    let ref = this.contentRefs.get(plan.planId);
    if (ref === undefined) {
      ref = this.blobs.put(bytesOf(plan.content), FLOAT32);
      ref.catch(() => this.contentRefs.delete(plan.planId));
      this.contentRefs.set(plan.planId, ref);
    }
    return ref;
  }

  private async optimizerState(record: ModelVersionRecord): Promise<ServerOptimizerState> {
    if (record.optimizerState === null) return { step: record.optimizerStep };
    const moments = floats(await this.blobs.get(record.optimizerState));
    return { step: record.optimizerStep, m: moments.subarray(0, record.dimension), v: moments.subarray(record.dimension) };
  }

  private async publishVersion(
    plan: PlanModel,
    fields: Omit<ModelVersionRecord, 'artifact' | 'parameters' | 'content' | 'optimizerState' | 'optimizerStep'>,
    params: Float32Array,
    state: ServerOptimizerState,
  ): Promise<ModelVersionRecord | null> {
    const parameters = await this.blobs.put(bytesOf(params), FLOAT32);
    const content = await this.contentRef(plan);
    let optimizerState: BlobRef | null = null;
    if (state.m !== undefined && state.v !== undefined) {
      const moments = new Float32Array(2 * params.length);
      moments.set(state.m);
      moments.set(state.v, params.length);
      optimizerState = await this.blobs.put(bytesOf(moments), FLOAT32);
    }
    const base = `/v1/models/${encodeURIComponent(fields.modelVersion)}`;
    const manifest: TwoTowerModelManifest = {
      format: 'two-tower-v1', modelVersion: fields.modelVersion, planId: plan.planId, config: plan.config, training: plan.training,
      itemIds: plan.itemIds as TwoTowerModelManifest['itemIds'], dimension: params.length,
      parameters: download(`${base}/parameters`, parameters), content: content === null ? null : download(`${base}/content`, content),
    };
    const artifact = await this.blobs.put(new TextEncoder().encode(JSON.stringify(manifest)), MANIFEST);
    const record: ModelVersionRecord = { ...fields, artifact, parameters, content, optimizerState, optimizerStep: state.step };
    await this.bus.publish(ModelVersionPublished, {
      modelVersion: record.modelVersion, planId: record.planId, roundId: record.roundId, baseVersion: record.baseVersion,
      roundNumber: record.roundNumber, artifact: record.artifact, dimension: record.dimension,
      contributors: record.contributors, expectedCohortSize: record.expectedCohortSize,
    }, record.roundId === null ? {} : { correlationId: record.roundId });
    if (!(await this.versions.add(record))) return null;
    this.logger.log({ modelVersion: record.modelVersion, roundId: record.roundId, contributors: record.contributors }, 'model version published');
    return record;
  }
}
