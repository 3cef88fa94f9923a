/**
 * A downloaded model version, ready for the device to train and rank with: the two-tower
 * configuration, the shared parameters, the catalog's item ids (their hashed-id rows computed
 * here) and, for content plans, the catalog's frozen content embeddings.
 */
import type { LocalTrainingPlan, TwoTowerConfig } from '@cohort/contracts';
import { CatalogRanker, TwoTowerModel, catalogItemInputs, twoTowerLayout, type ItemInputs } from '@cohort/ml';

export interface OnDeviceModelInput {
  readonly modelVersion: string;
  readonly config: TwoTowerConfig;
  readonly training: LocalTrainingPlan;
  readonly itemIds: readonly string[];
  readonly params: Float32Array;
  /** itemIds.length × contentDim, when the configuration has a content tower. */
  readonly content?: Float32Array;
}

export class OnDeviceModel {
  readonly modelVersion: string;
  readonly model: TwoTowerModel;
  readonly params: Float32Array;
  readonly training: LocalTrainingPlan;
  readonly itemIds: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly items: ItemInputs;
  /** Names the model family: the private vector of one family means nothing to another. */
  readonly family: string;
  private readonly ranker: CatalogRanker;

  constructor(input: OnDeviceModelInput, base?: OnDeviceModel) {
    this.modelVersion = input.modelVersion;
    this.params = input.params;
    this.training = input.training;
    if (base === undefined) {
      const layout = twoTowerLayout(input.config);
      this.model = new TwoTowerModel(layout);
      this.itemIds = input.itemIds;
      this.indexOf = new Map(input.itemIds.map((id, i) => [id, i]));
      this.items = catalogItemInputs(layout.config, input.itemIds, input.content);
      this.family = JSON.stringify(layout.config);
    } else {
      ({ model: this.model, itemIds: this.itemIds, indexOf: this.indexOf, items: this.items, family: this.family } = base);
    }
    this.ranker = new CatalogRanker(this.model, this.params, this.items);
  }

  /** Another version of the same model family and catalog (new parameters, same items). */
  withParams(modelVersion: string, params: Float32Array, training: LocalTrainingPlan = this.training): OnDeviceModel {
    return new OnDeviceModel({ modelVersion, config: this.model.layout.config, training, itemIds: this.itemIds, params }, this);
  }

  scoreCatalog(orders: readonly ArrayLike<number>[], privateVector: Float32Array | null): Float64Array {
    return this.ranker.scoreCatalog(orders, privateVector);
  }
}
