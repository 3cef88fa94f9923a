/**
 * Content-aware initialization of the item projection P: its e rows are the catalog content's
 * top-e principal directions (of the centred embeddings), scaled so that the projected item
 * vectors have a mean squared norm of 1, and the projection bias centres them (b_P = −P·mean).
 *
 * Why: with small random weights every score u·v is ≈ 0 and the loss sits on the saddle where the
 * gradient of P is proportional to P itself. Sequential SGD escapes it by its own noise; the
 * averaged, clipped updates of federated rounds barely move off it (docs/model.md). Started from
 * the principal directions, the model ranks by content similarity to the user's history from the
 * first round, and the rounds refine that.
 *
 * Privacy: the catalog's content embeddings are the items' own text and images, public and
 * shipped to every device; no user's data enters the initialization, so it costs no ε.
 *
 * Invariant: a pure, deterministic function of (layout, content, seed); the registry and a
 * benchmark get the same initial version from the same catalog. Columns that are zero for every
 * item (e.g. the image block of a catalog without photos) get zero weights.
 */
import { seededRandom } from '../synthetic-population';
import type { TwoTowerLayout } from './layout';
import { activeColumns } from './two-tower-model';

/** Items read into the covariance: a deterministic stride over larger catalogs (the directions converge long before). */
const MAX_COVARIANCE_ITEMS = 4096;
/** Subspace-iteration steps; an initialization needs a high-variance subspace, not exact eigenvectors. */
const ITERATIONS = 60;

export interface PrincipalDirections {
  /** The active content columns (non-zero for some item), in order. */
  readonly columns: Int32Array;
  /** Column means over the catalog, all D columns. */
  readonly mean: Float64Array;
  /** rank × columns.length, orthonormal rows, by decreasing variance. */
  readonly directions: Float64Array;
  /** The variance of the content along each direction. */
  readonly variances: Float64Array;
}

/**
 * The top-`rank` principal directions of `content` (count × D, row-major) by subspace iteration
 * on the covariance of the active columns. `rank` is capped by the number of active columns.
 */
export function principalDirections(content: Float32Array, count: number, D: number, rank: number, seed: number): PrincipalDirections {
  if (content.length !== count * D) throw new RangeError(`content must hold ${count} × ${D} values, got ${content.length}`);
  const columns = activeColumns({ count, content }, D);
  const mean = new Float64Array(D);
  for (let i = 0; i < count; i++) for (const j of columns) mean[j] += content[i * D + j]! / count;
  const a = columns.length;
  const r = Math.min(rank, a);
  const covariance = centredCovariance(content, count, D, columns, mean);
  const random = seededRandom(seed);
  let basis: Float64Array = new Float64Array(r * a).map(() => random() - 0.5);
  orthonormalizeRows(basis, r, a);
  for (let step = 0; step < ITERATIONS; step++) {
    basis = multiplyRows(covariance, basis, r, a);
    orthonormalizeRows(basis, r, a);
  }
  const ordered = byVariance(covariance, basis, r, a);
  return { columns, mean, directions: ordered.directions, variances: ordered.variances };
}

/** Writes P and b_P of `params` from the catalog content (count × D); leaves them as they are when every content value is zero. */
export function initProjectionFromContent(layout: TwoTowerLayout, params: Float32Array, content: Float32Array, seed: number): void {
  const { contentDim: D, embeddingDim: e } = layout.config;
  const projection = layout.offset('item.projection');
  if (D === 0 || projection < 0) throw new RangeError('the layout has no content tower to initialize');
  const count = content.length / D;
  if (!Number.isInteger(count) || count === 0) throw new RangeError(`content must hold a whole number of ${D}-wide rows, got ${content.length} values`);
  const { columns, mean, directions, variances } = principalDirections(content, count, D, e, seed);
  const rank = variances.length;
  const total = variances.reduce((sum, v) => sum + v, 0);
  if (rank === 0 || !(total > 0)) return;
  const scale = 1 / Math.sqrt(total);
  const bias = layout.offset('item.projectionBias');
  params.fill(0, projection, projection + e * D);
  for (let k = 0; k < e; k++) {
    let shift = 0;
    if (k < rank) {
      for (let c = 0; c < columns.length; c++) {
        const w = scale * directions[k * columns.length + c]!;
        params[projection + k * D + columns[c]!] = w;
        shift += w * mean[columns[c]!]!;
      }
    }
    params[bias + k] = -shift;
  }
}

function centredCovariance(content: Float32Array, count: number, D: number, columns: Int32Array, mean: Float64Array): Float64Array {
  const a = columns.length;
  const stride = Math.max(1, Math.ceil(count / MAX_COVARIANCE_ITEMS));
  const covariance = new Float64Array(a * a);
  const row = new Float64Array(a);
  let rows = 0;
  for (let i = 0; i < count; i += stride, rows++) {
    for (let c = 0; c < a; c++) row[c] = content[i * D + columns[c]!]! - mean[columns[c]!]!;
    for (let p = 0; p < a; p++) {
      const x = row[p]!;
      if (x === 0) continue;
      for (let q = p; q < a; q++) covariance[p * a + q] += x * row[q]!;
    }
  }
  for (let p = 0; p < a; p++) {
    for (let q = p; q < a; q++) {
      covariance[p * a + q] /= rows;
      covariance[q * a + p] = covariance[p * a + q]!;
    }
  }
  return covariance;
}

/** (C·Bᵀ)ᵀ for a symmetric a × a matrix C and r rows B. */
function multiplyRows(matrix: Float64Array, rows: Float64Array, r: number, a: number): Float64Array {
  const out = new Float64Array(r * a);
  for (let k = 0; k < r; k++) {
    for (let p = 0; p < a; p++) {
      let s = 0;
      for (let q = 0; q < a; q++) s += matrix[p * a + q]! * rows[k * a + q]!;
      out[k * a + p] = s;
    }
  }
  return out;
}

/** Modified Gram–Schmidt on the rows, in place; a row that vanishes is left at zero. */
function orthonormalizeRows(rows: Float64Array, r: number, a: number): void {
  for (let k = 0; k < r; k++) {
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let c = 0; c < a; c++) dot += rows[k * a + c]! * rows[j * a + c]!;
      for (let c = 0; c < a; c++) rows[k * a + c] -= dot * rows[j * a + c]!;
    }
    let norm = 0;
    for (let c = 0; c < a; c++) norm += rows[k * a + c]! ** 2;
    norm = Math.sqrt(norm);
    for (let c = 0; c < a; c++) rows[k * a + c] = norm > 1e-12 ? rows[k * a + c]! / norm : 0;
  }
}

/** The rows sorted by their Rayleigh quotient bᵀCb (the variance along them), largest first. */
function byVariance(matrix: Float64Array, rows: Float64Array, r: number, a: number): { directions: Float64Array; variances: Float64Array } {
  const images = multiplyRows(matrix, rows, r, a);
  const quotients = Array.from({ length: r }, (_, k) => {
    let s = 0;
    for (let c = 0; c < a; c++) s += rows[k * a + c]! * images[k * a + c]!;
    return s;
  });
  const order = quotients.map((_, k) => k).sort((x, y) => quotients[y]! - quotients[x]!);
  const directions = new Float64Array(r * a);
  order.forEach((k, to) => directions.set(rows.subarray(k * a, (k + 1) * a), to * a));
  return { directions, variances: Float64Array.from(order, (k) => Math.max(0, quotients[k]!)) };
}
