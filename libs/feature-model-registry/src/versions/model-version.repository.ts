/** Model version records and the production pointer of each plan. */
import { Inject, Injectable } from '@nestjs/common';
import type { BlobRef, ModelStage, ModelVersion, PlanId, RoundId } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';

export interface ModelVersionRecord {
  readonly modelVersion: ModelVersion;
  readonly planId: PlanId;
  readonly roundId: RoundId | null;
  readonly baseVersion: ModelVersion | null;
  readonly roundNumber: number;
  readonly artifact: BlobRef;
  readonly dimension: number;
  readonly contributors: number;
  readonly expectedCohortSize: number;
  readonly stage: ModelStage;
  readonly createdAt: string;
}

const versionKey = (version: ModelVersion) => `registry:version:${version}`;
const planVersionsKey = (planId: PlanId) => `registry:plan:${planId}:versions`;

@Injectable()
export class ModelVersionRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  async find(version: ModelVersion): Promise<ModelVersionRecord | null> {
    const raw = await this.store.get(versionKey(version));
    return raw === null ? null : (JSON.parse(raw) as ModelVersionRecord);
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

  async setStage(record: ModelVersionRecord, stage: ModelStage): Promise<ModelVersionRecord> {
    const updated = { ...record, stage };
    await this.store.set(versionKey(record.modelVersion), JSON.stringify(updated));
    return updated;
  }

  async list(planId: PlanId): Promise<ModelVersionRecord[]> {
    const versions = (await this.store.listRange(planVersionsKey(planId), 0, -1)) as ModelVersion[];
    const records = await Promise.all(versions.map((version) => this.find(version)));
    return records.filter((record): record is ModelVersionRecord => record !== null);
  }
}
