/**
 * Model versions: the initial version of each plan, one new version per aggregate (DP-FedAvg
 * server step with a fixed denominator), and promotion between stages. Version ids are
 * deterministic (`<plan>:v<round number>`), so a redelivered aggregate finds its version and
 * changes nothing; the event is published before the record is written, so a crash in between
 * re-publishes (harmless: the scheduler's commit is idempotent) instead of losing the version.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import {
  ModelVersion, ModelVersionPromoted, ModelVersionPublished, PopularityModelArtifact,
  type AggregateReady, type Envelope, type ModelStage, type PayloadOf, type PlanId,
} from '@cohort/contracts';
import { applyFederatedAverage } from '@cohort/ml';
import { ModelRegistryError, ModelRegistryErrorCode } from './model-registry.error';
import { ModelVersionRepository, type ModelVersionRecord } from './model-version.repository';

export const MODEL_REGISTRY_OPTIONS = Symbol.for('cohort.ModelRegistryOptions');

export interface ModelRegistryOptions {
  /** Each plan's catalog: the items the initial model scores. */
  readonly plans: ReadonlyArray<{ readonly planId: PlanId; readonly itemIds: readonly string[] }>;
  /** Promote every new version to production (standalone and demos); otherwise operators promote. */
  readonly autoPromote: boolean;
  readonly serverLearningRate: number;
}

const ARTIFACT_CONTENT_TYPE = 'application/vnd.cohort.item-popularity+json';
const tracer = trace.getTracer('cohort-model-registry');

@Injectable()
export class ModelVersionsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ModelVersionsService.name);

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(ModelVersionRepository) private readonly versions: ModelVersionRepository,
    @Inject(MODEL_REGISTRY_OPTIONS) private readonly options: ModelRegistryOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const plan of this.options.plans) await this.ensureInitialVersion(plan.planId, plan.itemIds);
  }

  private async ensureInitialVersion(planId: PlanId, itemIds: readonly string[]): Promise<void> {
    const modelVersion = ModelVersion.parse(`${planId}:v0`);
    if ((await this.versions.find(modelVersion)) !== null) return;
    const artifact = PopularityModelArtifact.parse({ format: 'item-popularity-v1', itemIds, logits: itemIds.map(() => 0) });
    const record = await this.publishVersion({
      modelVersion, planId, roundId: null, baseVersion: null, roundNumber: 0,
      artifact: await this.writeArtifact(artifact), dimension: itemIds.length, contributors: 0, expectedCohortSize: 0,
      stage: 'candidate', createdAt: new Date().toISOString(),
    });
    if (record !== null) await this.promote(record, 'production');
  }

  async applyAggregate({ payload }: Envelope<'AggregateReady', PayloadOf<typeof AggregateReady>>): Promise<void> {
    const modelVersion = ModelVersion.parse(`${payload.planId}:v${payload.roundNumber}`);
    if ((await this.versions.find(modelVersion)) !== null) return; // already applied
    await tracer.startActiveSpan('model.apply-aggregate', { attributes: { 'cohort.round_id': payload.roundId } }, async (span) => {
      try {
        const base = await this.versions.find(payload.baseModelVersion);
        if (base === null) {
          throw new ModelRegistryError(ModelRegistryErrorCode.BaseVersionMissing, `round ${payload.roundId} trained ${payload.baseModelVersion}, which the registry does not have`);
        }
        if (base.dimension !== payload.dimension) {
          throw new ModelRegistryError(ModelRegistryErrorCode.DimensionMismatch, `aggregate has ${payload.dimension} entries; ${base.modelVersion} has ${base.dimension}`);
        }
        const baseArtifact = await this.readArtifact(base);
        const sumBytes = await this.blobs.get(payload.sum);
        const sum = new Float32Array(sumBytes.buffer.slice(sumBytes.byteOffset, sumBytes.byteOffset + sumBytes.byteLength));
        const logits = applyFederatedAverage(baseArtifact.logits, sum, payload.expectedCohortSize, this.options.serverLearningRate);
        const record = await this.publishVersion({
          modelVersion, planId: payload.planId, roundId: payload.roundId, baseVersion: base.modelVersion, roundNumber: payload.roundNumber,
          artifact: await this.writeArtifact({ ...baseArtifact, logits }), dimension: base.dimension,
          contributors: payload.contributors, expectedCohortSize: payload.expectedCohortSize,
          stage: 'candidate', createdAt: new Date().toISOString(),
        });
        if (record !== null && this.options.autoPromote) await this.promote(record, 'production');
      } finally {
        span.end();
      }
    });
  }

  async find(version: ModelVersion): Promise<ModelVersionRecord> {
    const record = await this.versions.find(version);
    if (record === null) throw new ModelRegistryError(ModelRegistryErrorCode.VersionNotFound, `model version ${version} does not exist`);
    return record;
  }

  list(planId: PlanId): Promise<ModelVersionRecord[]> {
    return this.versions.list(planId);
  }

  async artifact(version: ModelVersion): Promise<PopularityModelArtifact> {
    return this.readArtifact(await this.find(version));
  }

  async promote(record: ModelVersionRecord, stage: ModelStage): Promise<ModelVersionRecord> {
    // Until the accountant reports per-version guarantees (privacy issue), the guarantee is unknown: null, never a guess.
    await this.bus.publish(ModelVersionPromoted, {
      modelVersion: record.modelVersion, planId: record.planId, stage, artifact: record.artifact, privacy: { epsilon: null, delta: null },
    });
    const updated = await this.versions.setStage(record, stage);
    this.logger.log({ modelVersion: record.modelVersion, stage }, 'model version promoted');
    return updated;
  }

  private async publishVersion(record: ModelVersionRecord): Promise<ModelVersionRecord | null> {
    await this.bus.publish(ModelVersionPublished, {
      modelVersion: record.modelVersion, planId: record.planId, roundId: record.roundId, baseVersion: record.baseVersion,
      roundNumber: record.roundNumber, artifact: record.artifact, dimension: record.dimension,
      contributors: record.contributors, expectedCohortSize: record.expectedCohortSize,
    }, record.roundId === null ? {} : { correlationId: record.roundId });
    if (!(await this.versions.add(record))) return null;
    this.logger.log({ modelVersion: record.modelVersion, roundId: record.roundId, contributors: record.contributors }, 'model version published');
    return record;
  }

  private writeArtifact(artifact: PopularityModelArtifact) {
    return this.blobs.put(new TextEncoder().encode(JSON.stringify(artifact)), ARTIFACT_CONTENT_TYPE);
  }

  private async readArtifact(record: ModelVersionRecord): Promise<PopularityModelArtifact> {
    return PopularityModelArtifact.parse(JSON.parse(new TextDecoder().decode(await this.blobs.get(record.artifact))));
  }
}
