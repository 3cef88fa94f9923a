/**
 * The federated two-tower recommender (DESIGN.md, "Model"): forward pass and hand-written
 * gradients, checked against central finite differences in `two-tower-model.spec.ts`.
 *
 *   item tower   v_i = P·x_i + b_P + E[h(i)]            (content x_i, hashed id h(i); either may be absent)
 *                β_i = q·x_i + E_b[h(i)]                 (item bias: popularity, learned)
 *   user tower   c   = Σ_j w_j v_j                       (recency-weighted mean over the history, Σ w = 1)
 *                u   = c + W2·relu(W1·c + b1) + b2 + p    (residual MLP; p: the private per-user vector)
 *   score        s_i = u·v_i + β_i + φ·f_i               (f_i: the device's own history features of i)
 *
 * Losses over one target order with positives T and sampled catalog negatives N:
 *   sampled softmax (Jean et al. 2015; Yi et al. 2019): for each t ∈ T, −log softmax over
 *     {t} ∪ N of (s − log Q), Q the expected count of the item among the sampled candidates — the
 *     correction that makes the sampled loss consistent with the full softmax;
 *   BPR (Rendle et al. 2009): mean over t ∈ T, n ∈ N of −log σ(s_t − s_n).
 * Negatives that are positives of the same order ("accidental hits") are dropped. A device's batch
 * is one user, so in-batch negatives would be the user's own purchases: they are not used here.
 *
 * Invariant: pure functions of (parameters, inputs); nothing is kept between calls, so the
 * device, the server and the browser bundle compute the same numbers from the same bytes.
 */
import { ID_HASHES, type TwoTowerLayout } from './layout';
import { FEATURE_COUNT, type UserContext } from './user-context';

/** What the item tower reads for each catalog item. */
export interface ItemInputs {
  readonly count: number;
  /** count × contentDim, row-major (the frozen encoder's embeddings); required when contentDim > 0. */
  readonly content?: Float32Array;
  /** ID_HASHES hashed-id rows of every item, item-major (`itemIdRows`); required when idBuckets > 0. */
  readonly idBucket?: Int32Array;
}

/** Item vectors and biases of a set of items, computed once per parameter version. */
export interface ItemTable {
  /** rows × e */
  readonly vectors: Float64Array;
  readonly bias: Float64Array;
  /** Item index → row; absent when the table covers the whole catalog in order. */
  readonly rowOf?: ReadonlyMap<number, number>;
}

export type TwoTowerLoss = 'sampled-softmax' | 'bpr';

export interface UserForward {
  readonly pooled: Float64Array;
  readonly hiddenPre: Float64Array;
  readonly hidden: Float64Array;
  /** The user vector, private part included. */
  readonly user: Float64Array;
}

type Params = Float32Array | Float64Array;

export class TwoTowerModel {
  readonly e: number;
  readonly D: number;
  readonly H: number;
  readonly m: number;
  private readonly o: Record<'proj' | 'projBias' | 'contentBias' | 'idEmb' | 'idBias' | 'w1' | 'b1' | 'w2' | 'b2' | 'feat', number>;

  constructor(readonly layout: TwoTowerLayout) {
    const { contentDim, idBuckets, embeddingDim, hiddenDim } = layout.config;
    this.e = embeddingDim;
    this.D = contentDim;
    this.H = idBuckets;
    this.m = hiddenDim;
    this.o = {
      proj: layout.offset('item.projection'),
      projBias: layout.offset('item.projectionBias'),
      contentBias: layout.offset('item.contentBias'),
      idEmb: layout.offset('item.idEmbedding'),
      idBias: layout.offset('item.idBias'),
      w1: layout.offset('user.hidden.weight'),
      b1: layout.offset('user.hidden.bias'),
      w2: layout.offset('user.output.weight'),
      b2: layout.offset('user.output.bias'),
      feat: layout.offset('score.features'),
    };
  }

  /** Checks that `items` carries what this configuration's item tower reads. */
  checkItems(items: ItemInputs): void {
    if (this.D > 0 && (items.content === undefined || items.content.length !== items.count * this.D)) {
      throw new RangeError(`items.content must hold count × ${this.D} = ${items.count * this.D} values, got ${items.content?.length ?? 'none'}`);
    }
    if (this.H > 0) {
      if (items.idBucket === undefined || items.idBucket.length !== items.count * ID_HASHES) {
        throw new RangeError(`items.idBucket must hold ${ID_HASHES} rows per item (${items.count * ID_HASHES}), got ${items.idBucket?.length ?? 'none'}`);
      }
      for (const b of items.idBucket) if (!(b >= 0 && b < this.H)) throw new RangeError(`items.idBucket holds ${b}, outside [0, ${this.H})`);
    }
  }

  checkParams(params: Params, privateVector?: Params | null): void {
    if (params.length !== this.layout.size) throw new RangeError(`params has ${params.length} entries; the layout has ${this.layout.size}`);
    if (privateVector != null && privateVector.length !== this.e) throw new RangeError(`privateVector has ${privateVector.length} entries; embeddingDim is ${this.e}`);
  }

  /** v_i and β_i of `itemList` (or of every item, in order, when omitted). */
  itemTable(params: Params, items: ItemInputs, itemList?: ArrayLike<number>): ItemTable {
    const rows = itemList?.length ?? items.count;
    const vectors = new Float64Array(rows * this.e);
    const bias = new Float64Array(rows);
    let rowOf: Map<number, number> | undefined;
    if (itemList !== undefined) rowOf = new Map();
    for (let r = 0; r < rows; r++) {
      const item = itemList === undefined ? r : itemList[r]!;
      if (!(item >= 0 && item < items.count)) throw new RangeError(`item ${item} is outside the catalog of ${items.count}`);
      rowOf?.set(item, r);
      bias[r] = this.itemInto(params, items, item, vectors, r * this.e);
    }
    return rowOf === undefined ? { vectors, bias } : { vectors, bias, rowOf };
  }

  /** Writes v_item at out[at..at+e) and returns β_item. */
  private itemInto(params: Params, items: ItemInputs, item: number, out: Float64Array, at: number): number {
    const { e, D, o } = this;
    let beta = 0;
    if (D > 0) {
      const x = items.content!;
      const xAt = item * D;
      const columns = activeColumns(items, D);
      for (let k = 0; k < e; k++) {
        let s = params[o.projBias + k]!;
        const w = o.proj + k * D;
        for (const j of columns) s += params[w + j]! * x[xAt + j]!;
        out[at + k] = s;
      }
      for (const j of columns) beta += params[o.contentBias + j]! * x[xAt + j]!;
    }
    if (this.H > 0) {
      if (D === 0) out.fill(0, at, at + e);
      for (let h = 0; h < ID_HASHES; h++) {
        const b = items.idBucket![item * ID_HASHES + h]!;
        const row = o.idEmb + b * e;
        for (let k = 0; k < e; k++) out[at + k] += params[row + k]!;
        beta += params[o.idBias + b]!;
      }
    }
    return beta;
  }

  /** The user tower over a context whose items' vectors are in `table`. */
  userForward(params: Params, privateVector: Params | null, context: UserContext, table: ItemTable): UserForward {
    const { e, m, o } = this;
    const pooled = new Float64Array(e);
    for (let r = 0; r < context.items.length; r++) {
      const at = rowIn(table, context.items[r]!) * e;
      const w = context.poolWeights[r]!;
      for (let k = 0; k < e; k++) pooled[k] += w * table.vectors[at + k]!;
    }
    const hiddenPre = new Float64Array(m);
    const hidden = new Float64Array(m);
    for (let h = 0; h < m; h++) {
      let s = params[o.b1 + h]!;
      const w = o.w1 + h * e;
      for (let k = 0; k < e; k++) s += params[w + k]! * pooled[k]!;
      hiddenPre[h] = s;
      hidden[h] = s > 0 ? s : 0;
    }
    const user = new Float64Array(e);
    for (let k = 0; k < e; k++) {
      let s = pooled[k]! + params[o.b2 + k]! + (privateVector === null ? 0 : privateVector[k]!);
      const w = o.w2 + k * m;
      for (let h = 0; h < m; h++) s += params[w + h]! * hidden[h]!;
      user[k] = s;
    }
    return { pooled, hiddenPre, hidden, user };
  }

  /** s_i for each candidate (rows of `table`). */
  score(params: Params, forward: UserForward, context: UserContext, table: ItemTable, candidates: ArrayLike<number>, out = new Float64Array(candidates.length)): Float64Array {
    const { e, o } = this;
    for (let c = 0; c < candidates.length; c++) {
      const item = candidates[c]!;
      const at = rowIn(table, item);
      let s = table.bias[at]!;
      for (let k = 0; k < e; k++) s += forward.user[k]! * table.vectors[at * e + k]!;
      const f = context.rowOf.get(item);
      if (f !== undefined) for (let j = 0; j < FEATURE_COUNT; j++) s += params[o.feat + j]! * context.features[f * FEATURE_COUNT + j]!;
      out[c] = s;
    }
    return out;
  }

  /**
   * Loss of one target order and, when `grad` / `gradPrivate` are given, its gradient added into
   * them (w.r.t. the shared parameters and the private vector). `logQ[n]` is log Q of negative n
   * (sampled softmax); with `null` the negatives count as drawn uniformly, a constant shift.
   */
  lossAndGradient(
    params: Params,
    privateVector: Params | null,
    items: ItemInputs,
    context: UserContext,
    positives: Int32Array,
    negatives: Int32Array,
    options: { readonly loss: TwoTowerLoss; readonly logQ?: Float64Array | null; readonly logQPositive?: Float64Array | null },
    grad: Float64Array | null,
    gradPrivate: Float64Array | null,
  ): number {
    const { e, m, o } = this;
    const positiveSet = new Set(positives);
    const negativeRows: number[] = [];
    for (let n = 0; n < negatives.length; n++) if (!positiveSet.has(negatives[n]!)) negativeRows.push(n);
    if (positives.length === 0 || negativeRows.length === 0) return 0;
    const scored = new Int32Array(positives.length + negativeRows.length);
    scored.set(positives);
    negativeRows.forEach((n, j) => (scored[positives.length + j] = negatives[n]!));
    const needed = new Set<number>(context.items);
    for (const item of scored) needed.add(item);
    const itemList = Int32Array.from(needed);
    const table = this.itemTable(params, items, itemList);
    const forward = this.userForward(params, privateVector, context, table);
    const s = this.score(params, forward, context, table, scored);
    const dScore = new Float64Array(scored.length);
    const P = positives.length;
    const N = negativeRows.length;
    let loss = 0;
    if (options.loss === 'sampled-softmax') {
      const logits = new Float64Array(1 + N);
      for (let t = 0; t < P; t++) {
        logits[0] = s[t]! - (options.logQPositive?.[t] ?? 0);
        for (let j = 0; j < N; j++) logits[1 + j] = s[P + j]! - (options.logQ?.[negativeRows[j]!] ?? 0);
        let max = -Infinity;
        for (const z of logits) max = Math.max(max, z);
        let total = 0;
        for (const z of logits) total += Math.exp(z - max);
        const logSum = max + Math.log(total);
        loss += (logSum - logits[0]!) / P;
        dScore[t] += (Math.exp(logits[0]! - logSum) - 1) / P;
        for (let j = 0; j < N; j++) dScore[P + j] += Math.exp(logits[1 + j]! - logSum) / P;
      }
    } else {
      const pairs = P * N;
      for (let t = 0; t < P; t++) {
        for (let j = 0; j < N; j++) {
          const diff = s[t]! - s[P + j]!;
          // −log σ(diff) = softplus(−diff), computed stably; its derivative is −σ(−diff).
          loss += (diff > 0 ? Math.log1p(Math.exp(-diff)) : -diff + Math.log1p(Math.exp(diff))) / pairs;
          const g = 1 / (1 + Math.exp(diff)) / pairs;
          dScore[t] -= g;
          dScore[P + j] += g;
        }
      }
    }
    if (grad === null && gradPrivate === null) return loss;

    // Back through the score: s = u·v + β + φ·f.
    const rows = itemList.length;
    const dVec = new Float64Array(rows * e);
    const dBias = new Float64Array(rows);
    const dUser = new Float64Array(e);
    for (let c = 0; c < scored.length; c++) {
      const g = dScore[c]!;
      if (g === 0) continue;
      const item = scored[c]!;
      const r = table.rowOf!.get(item)!;
      for (let k = 0; k < e; k++) {
        dVec[r * e + k] += g * forward.user[k]!;
        dUser[k] += g * table.vectors[r * e + k]!;
      }
      dBias[r] += g;
      const f = context.rowOf.get(item);
      if (grad !== null && f !== undefined) for (let j = 0; j < FEATURE_COUNT; j++) grad[o.feat + j] += g * context.features[f * FEATURE_COUNT + j]!;
    }
    if (gradPrivate !== null) for (let k = 0; k < e; k++) gradPrivate[k] += dUser[k]!;
    if (grad === null) return loss;

    // Back through the user tower: u = c + W2·relu(W1·c + b1) + b2 + p.
    const dPooled = Float64Array.from(dUser);
    const dHidden = new Float64Array(m);
    for (let k = 0; k < e; k++) {
      const g = dUser[k]!;
      grad[o.b2 + k] += g;
      const w = o.w2 + k * m;
      for (let h = 0; h < m; h++) {
        grad[w + h] += g * forward.hidden[h]!;
        dHidden[h] += g * params[w + h]!;
      }
    }
    for (let h = 0; h < m; h++) {
      if (forward.hiddenPre[h]! <= 0) continue;
      const g = dHidden[h]!;
      grad[o.b1 + h] += g;
      const w = o.w1 + h * e;
      for (let k = 0; k < e; k++) {
        grad[w + k] += g * forward.pooled[k]!;
        dPooled[k] += g * params[w + k]!;
      }
    }
    for (let r = 0; r < context.items.length; r++) {
      const at = table.rowOf!.get(context.items[r]!)! * e;
      const w = context.poolWeights[r]!;
      for (let k = 0; k < e; k++) dVec[at + k] += w * dPooled[k]!;
    }

    // Back through the item tower.
    for (let r = 0; r < rows; r++) this.itemBackward(grad, items, itemList[r]!, dVec, r * e, dBias[r]!);
    return loss;
  }

  private itemBackward(grad: Float64Array, items: ItemInputs, item: number, dVec: Float64Array, at: number, dBeta: number): void {
    const { e, D, o } = this;
    if (D > 0) {
      const x = items.content!;
      const xAt = item * D;
      const columns = activeColumns(items, D);
      for (let k = 0; k < e; k++) {
        const g = dVec[at + k]!;
        if (g === 0) continue;
        grad[o.projBias + k] += g;
        const w = o.proj + k * D;
        for (const j of columns) grad[w + j] += g * x[xAt + j]!;
      }
      if (dBeta !== 0) for (const j of columns) grad[o.contentBias + j] += dBeta * x[xAt + j]!;
    }
    if (this.H > 0) {
      for (let h = 0; h < ID_HASHES; h++) {
        const b = items.idBucket![item * ID_HASHES + h]!;
        const row = o.idEmb + b * e;
        for (let k = 0; k < e; k++) grad[row + k] += dVec[at + k]!;
        grad[o.idBias + b] += dBeta;
      }
    }
  }
}

const ACTIVE_COLUMNS = new WeakMap<Float32Array, Int32Array>();

/**
 * The content columns that are non-zero for some item: the rest contribute nothing forward or
 * backward (a catalog without photos has an all-zero image block, 576 of the 960 columns).
 * Computed once per content array.
 */
export function activeColumns(items: ItemInputs, D: number): Int32Array {
  const content = items.content!;
  let columns = ACTIVE_COLUMNS.get(content);
  if (columns === undefined) {
    const used = new Uint8Array(D);
    for (let i = 0; i < content.length; i++) if (content[i] !== 0) used[i % D] = 1;
    columns = Int32Array.from(Array.from(used.keys()).filter((j) => used[j] === 1));
    ACTIVE_COLUMNS.set(content, columns);
  }
  return columns;
}

function rowIn(table: ItemTable, item: number): number {
  if (table.rowOf === undefined) return item;
  const row = table.rowOf.get(item);
  if (row === undefined) throw new RangeError(`item ${item} is not in the item table`);
  return row;
}
