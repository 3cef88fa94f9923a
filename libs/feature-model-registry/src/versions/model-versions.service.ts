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
 * - an operator's plan trains on this registry's catalog (and content), with what its definition
 *   leaves out taken from the first configured plan; its architecture is fixed by the definition
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
  type AggregateReady, type BlobRef, type ClientId, type Envelope, type LocalTrainingPlan, type ModelPrivacyComputed,
  type ModelStage, type PayloadOf, type PlanId, type ServerOptimizer, type TrainingPlanDefined, type TwoTowerConfig,
} from '@cohort/contracts';
import { applyServerStep, initProjectionFromContent, initTwoTowerParameters, twoTowerLayout, type ServerOptimizerState } from '@cohort/ml';
import { ModelRegistryError, ModelRegistryErrorCode } from './model-registry.error';
import { ModelVersionRepository, type EvaluationSums, type ModelVersionRecord, type PlanDefinition } from './model-version.repository';

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
}

export interface ModelRegistryOptions {
  /** The configured plans; the first is the template of the plans operators define (its catalog, content, seed, defaults). */
  readonly plans: readonly PlanModel[];
  /** Promote every charged version to production (standalone and demos); otherwise operators promote. */
  readonly autoPromote: boolean;
}

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

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(ModelVersionRepository) private readonly versions: ModelVersionRepository,
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

  /** An operator's plan: the template's catalog, content and seed, with the definition's choices. */
  private planOf(definition: PlanDefinition): PlanModel {
    const template = this.options.plans[0];
    if (template === undefined) {
      throw new ModelRegistryError(ModelRegistryErrorCode.PlanNotTrainable, `plan ${definition.planId} cannot be trained here: this registry has no configured plan to take its catalog from`);
    }
    const config: TwoTowerConfig = definition.model ?? template.config;
    const { contentDim } = twoTowerLayout(config).config;
    if (contentDim > 0 && contentDim !== twoTowerLayout(template.config).config.contentDim) {
      throw new ModelRegistryError(
        ModelRegistryErrorCode.PlanNotTrainable,
        `plan ${definition.planId} asks for a content tower of width ${contentDim}; this registry's catalog has content of width ${twoTowerLayout(template.config).config.contentDim} only`,
      );
    }
    return {
      planId: definition.planId,
      itemIds: template.itemIds,
      config,
      training: { ...template.training, ...definition.training },
      optimizer: definition.serverOptimizer ?? template.optimizer,
      seed: template.seed,
      ...(contentDim > 0 && template.content !== undefined ? { content: template.content } : {}),
    };
  }

  /**
   * An operator defined or redefined a plan on the scheduler: keep its definition and, the first
   * time, publish its initial version (so the scheduler can open rounds for it). A configured
   * plan is this registry's to define: a definition of one changes nothing.
   */
  async definePlan(payload: PayloadOf<typeof TrainingPlanDefined>): Promise<void> {
    if (this.options.plans.some((p) => p.planId === payload.planId)) {
      this.logger.warn({ planId: payload.planId }, 'definition of a configured plan ignored: it is configured in this registry');
      return;
    }
    const plan = this.planOf(payload);
    const previous = await this.versions.planDefinition(payload.planId);
    if (previous !== null && !isDeepStrictEqual(this.planOf(previous).config, plan.config)) {
      throw new ModelRegistryError(
        ModelRegistryErrorCode.ArchitectureChanged,
        `plan ${payload.planId} was defined with another architecture, on which its versions are built; define a new plan for this one`,
      );
    }
    await this.versions.savePlanDefinition(payload);
    await this.ensureInitialVersion(plan);
    this.logger.log({ planId: payload.planId }, 'training plan defined');
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

  /** A plan's content never changes: it is stored (and hashed) once per process, not per version. */
  private async contentRef(plan: PlanModel): Promise<BlobRef | null> {
    if (plan.content === undefined) return null;
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
