/**
 * Scores a whole catalog for one user with one parameter version: the item tower is applied to
 * every item once (the catalog table), then each request costs one user-tower pass and one dot
 * product per item. Devices (on-device ranking, evaluation) and recommendation-serving use this
 * same code, so the device and the server rank identically from the same bytes.
 *
 * Invariant: the table is computed from the parameters given at construction and never changes.
 */
import type { TwoTowerConfig } from '@cohort/contracts';
import { ID_HASHES, itemIdBuckets } from './layout';
import { type TwoTowerModel, type ItemInputs, type ItemTable } from './two-tower-model';
import { buildUserContext } from './user-context';

/** What the item tower reads for a catalog: hashed-id rows computed from the ids, content as given. */
export function catalogItemInputs(config: TwoTowerConfig, itemIds: readonly string[], content?: Float32Array): ItemInputs {
  return {
    count: itemIds.length,
    ...(content === undefined ? {} : { content }),
    ...(config.idBuckets > 0 ? { idBucket: itemIdRows(itemIds, config.idBuckets) } : {}),
  };
}

/** ID_HASHES rows per item, item-major. */
export function itemIdRows(itemIds: readonly string[], buckets: number): Int32Array {
  const rows = new Int32Array(itemIds.length * ID_HASHES);
  itemIds.forEach((id, i) => rows.set(itemIdBuckets(id, buckets), i * ID_HASHES));
  return rows;
}

export class CatalogRanker {
  private table: ItemTable | undefined;
  private readonly all: Int32Array;

  constructor(
    readonly model: TwoTowerModel,
    readonly params: Float32Array,
    readonly items: ItemInputs,
  ) {
    model.checkParams(params);
    model.checkItems(items);
    this.all = Int32Array.from({ length: items.count }, (_, i) => i);
  }

  /** The catalog's item vectors and biases, computed on first use. */
  catalogTable(): ItemTable {
    this.table ??= this.model.itemTable(this.params, this.items);
    return this.table;
  }

  /** s_i for every catalog item given the user's orders (oldest first) and private vector. */
  scoreCatalog(orders: readonly ArrayLike<number>[], privateVector: Float32Array | null): Float64Array {
    const context = buildUserContext(orders, this.model.layout.config);
    const table = this.catalogTable();
    const forward = this.model.userForward(this.params, privateVector, context, table);
    return this.model.score(this.params, forward, context, table, this.all);
  }
}
