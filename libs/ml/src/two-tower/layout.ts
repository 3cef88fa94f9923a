/**
 * The two-tower recommender's configuration and its parameter layout: every shared (uploaded)
 * parameter lives in one flat vector, each block at a named offset, so an update is a plain
 * `Float32Array` of `layout.size` entries that clipping, quantization and SecAgg+ treat as one
 * vector. The private per-user vector is not in the layout: it never leaves the device.
 *
 * Blocks, in order (e = embeddingDim, D = contentDim, H = idBuckets, m = hiddenDim, F = 3):
 *   item.projection [e × D], item.projectionBias [e], item.contentBias [D]   (when D > 0)
 *   item.idEmbedding [H × e], item.idBias [H]  (when H > 0; each item sums ID_HASHES rows)
 *   user.hidden.weight [m × e], user.hidden.bias [m], user.output.weight [e × m], user.output.bias [e]
 *   score.features [F]
 *
 * Invariant: the layout is a pure function of the configuration; two parties with the same
 * configuration agree on every offset.
 */
import { TwoTowerConfig } from '@cohort/contracts';
import { fmix32, fnv1a32 } from '../hashing';
import { seededRandom } from '../synthetic-population';

/** Features a device computes for (its own history, item): log(1 + count), recency, purchase rate. */
export const HISTORY_FEATURES = ['logCount', 'recency', 'purchaseRate'] as const;

export type BlockName =
  | 'item.projection' | 'item.projectionBias' | 'item.contentBias'
  | 'item.idEmbedding' | 'item.idBias'
  | 'user.hidden.weight' | 'user.hidden.bias' | 'user.output.weight' | 'user.output.bias'
  | 'score.features';

export interface ParameterBlock {
  readonly name: BlockName;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly size: number;
}

export interface TwoTowerLayout {
  readonly config: TwoTowerConfig;
  /** Number of shared parameters: the update dimension d. */
  readonly size: number;
  readonly blocks: readonly ParameterBlock[];
  /** Offset of a block; -1 when the configuration has no such block. */
  offset(name: BlockName): number;
}

export function twoTowerLayout(input: TwoTowerConfig): TwoTowerLayout {
  const config = TwoTowerConfig.parse(input);
  const { contentDim: D, idBuckets: H, embeddingDim: e, hiddenDim: m } = config;
  const shapes: Array<[BlockName, number[]]> = [];
  if (D > 0) shapes.push(['item.projection', [e, D]], ['item.projectionBias', [e]], ['item.contentBias', [D]]);
  if (H > 0) shapes.push(['item.idEmbedding', [H, e]], ['item.idBias', [H]]);
  shapes.push(
    ['user.hidden.weight', [m, e]], ['user.hidden.bias', [m]], ['user.output.weight', [e, m]], ['user.output.bias', [e]],
    ['score.features', [HISTORY_FEATURES.length]],
  );
  let size = 0;
  const blocks = shapes.map(([name, shape]): ParameterBlock => {
    const block = { name, offset: size, shape, size: shape.reduce((a, b) => a * b, 1) };
    size += block.size;
    return block;
  });
  const offsets = new Map(blocks.map((b) => [b.name, b.offset]));
  return { config, size, blocks, offset: (name) => offsets.get(name) ?? -1 };
}

/**
 * Initial shared parameters, seeded: Glorot-scaled normal weights (the ID embedding at 0.05), zero
 * biases, the residual user MLP's output layer at zero (the tower starts as the pooled history),
 * and zero feature weights (the rounds learn how much repeat purchases count).
 */
export function initTwoTowerParameters(layout: TwoTowerLayout, seed: number): Float32Array {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const params = new Float32Array(layout.size);
  const fill = (name: BlockName, std: number) => {
    const block = layout.blocks.find((b) => b.name === name);
    if (block === undefined) return;
    for (let i = 0; i < block.size; i++) params[block.offset + i] = std * normal();
  };
  const { contentDim: D, embeddingDim: e, hiddenDim: m } = layout.config;
  fill('item.projection', Math.sqrt(2 / (D + e)));
  fill('item.idEmbedding', 0.05);
  fill('user.hidden.weight', Math.sqrt(2 / (e + m)));
  return params;
}

/**
 * Rows of the hashed item-ID embedding each item reads: two independent hashes, whose rows are
 * summed (hash embeddings, Svenstrup et al. 2017), so two items collide only if both rows do —
 * with H rows about one pair in H² instead of one in H.
 */
export const ID_HASHES = 2;

/**
 * The ID_HASHES rows of an item id among `buckets`: the FNV-1a hash of the id, finalized with two
 * different seeds (FNV-1a alone mixes the low bits of short ids poorly).
 */
export function itemIdBuckets(itemId: string, buckets: number): [number, number] {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
  const hash = fnv1a32(itemId);
  return [fmix32(hash) % buckets, fmix32(hash ^ 0x9e3779b9) % buckets];
}
