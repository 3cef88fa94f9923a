/**
 * Retrieval quality of an embedding: k-nearest-neighbour class accuracy and precision@k of
 * same-label retrieval, both by cosine similarity, both leave-one-out when queries and references
 * are the same set (an item is never its own neighbour).
 *
 * Ties are scored by their expectation under a uniformly random tie-break, so no ordering of the
 * input (which often correlates with the label) can leak into a score: if g < k neighbours are
 * strictly more similar than the k-th similarity t and e candidates sit exactly at t, each of the
 * e gets weight (k − g) / e. precision@k = (matches above t + (k − g) · matches at t / e) / k.
 * The kNN vote sums these weights per class; when several classes share the top vote the query
 * scores 1 / (number of such classes) if its label is among them, else 0.
 *
 * Invariant: scores depend only on the similarities and labels, not on the order of the items.
 */
import { check } from './catalog-data-error';

/** `rows` vectors of `dimension` numbers, packed row-major. */
export interface Matrix {
  readonly rows: number;
  readonly dimension: number;
  readonly data: Float32Array;
}

export function matrixFromRows(rows: readonly ArrayLike<number>[]): Matrix {
  check(rows.length > 0, 'rows', 'non-empty', rows.length);
  const dimension = rows[0].length;
  const data = new Float32Array(rows.length * dimension);
  rows.forEach((row, i) => {
    check(row.length === dimension, `rows[${i}]`, `of length ${dimension}`, row.length);
    data.set(row, i * dimension);
  });
  return { rows: rows.length, dimension, data };
}

/** Bytes (e.g. pixels) as a matrix of floats: raw values, no scaling (cosine ignores scale). */
export function matrixFromBytes(bytes: Uint8Array, rows: number): Matrix {
  check(rows > 0 && bytes.length % rows === 0, 'rows', `a positive divisor of ${bytes.length}`, rows);
  return { rows, dimension: bytes.length / rows, data: Float32Array.from(bytes) };
}

/** A copy with every row scaled to unit L2 norm (all-zero rows stay zero). */
export function l2NormalizeRows(m: Matrix): Matrix {
  const data = new Float32Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    const off = r * m.dimension;
    let sum = 0;
    for (let j = 0; j < m.dimension; j++) sum += m.data[off + j] * m.data[off + j];
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = 0; j < m.dimension; j++) data[off + j] = m.data[off + j] * scale;
  }
  return { rows: m.rows, dimension: m.dimension, data };
}

/**
 * Similarities of `queries` query items against `size` reference items. When `selfAligned`,
 * queries and references are the same items (query i is reference i) and i is excluded.
 */
export interface SimilarityIndex {
  readonly size: number;
  readonly queries: number;
  readonly selfAligned: boolean;
  /** Writes the similarity of query `query` to every reference into `out` (length `size`). */
  similaritiesTo(query: number, out: Float64Array): void;
}

/**
 * Cosine similarity over dense vectors; without `queries`, leave-one-out over `references`.
 * Queries are answered four at a time (each reference row is read once for four queries, which
 * is what bounds this loop), so asking for queries in order is fastest.
 */
export function denseCosineIndex(references: Matrix, queries?: Matrix): SimilarityIndex {
  const refs = l2NormalizeRows(references);
  const qs = queries ? l2NormalizeRows(queries) : refs;
  check(qs.dimension === refs.dimension, 'queries.dimension', `${refs.dimension}`, qs.dimension);
  const d = refs.dimension;
  const n = refs.rows;
  const BLOCK = 4;
  const cache = new Float64Array(BLOCK * n);
  let cached = -BLOCK;
  const fill = (first: number) => {
    const r = refs.data;
    const q = qs.data;
    // Rows past the last query repeat it (harmless, never read).
    const a = Math.min(first, qs.rows - 1) * d;
    const b = Math.min(first + 1, qs.rows - 1) * d;
    const c = Math.min(first + 2, qs.rows - 1) * d;
    const e = Math.min(first + 3, qs.rows - 1) * d;
    for (let i = 0; i < n; i++) {
      const off = i * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < d; j++) {
        const x = r[off + j];
        s0 += q[a + j] * x;
        s1 += q[b + j] * x;
        s2 += q[c + j] * x;
        s3 += q[e + j] * x;
      }
      cache[i] = s0;
      cache[n + i] = s1;
      cache[2 * n + i] = s2;
      cache[3 * n + i] = s3;
    }
    cached = first;
  };
  return {
    size: n,
    queries: qs.rows,
    selfAligned: queries === undefined,
    similaritiesTo(query, out) {
      if (query < cached || query >= cached + BLOCK) fill(query);
      out.set(cache.subarray((query - cached) * n, (query - cached + 1) * n));
    },
  };
}

interface Neighbourhood {
  /** Weight of every reference in the top k (0 for most), as described in the file header. */
  forEachWeighted(visit: (reference: number, weight: number) => void): void;
}

function neighbourhoods(index: SimilarityIndex, k: number, visit: (query: number, hood: Neighbourhood) => void): void {
  const candidates = index.size - (index.selfAligned ? 1 : 0);
  check(Number.isInteger(k) && k >= 1 && k <= candidates, 'k', `an integer in [1, ${candidates}]`, k);
  const sims = new Float64Array(index.size);
  const top = new Float64Array(k); // the k largest similarities seen, descending
  for (let q = 0; q < index.queries; q++) {
    index.similaritiesTo(q, sims);
    let filled = 0;
    for (let i = 0; i < index.size; i++) {
      if (index.selfAligned && i === q) continue;
      const s = sims[i];
      if (filled === k && s <= top[k - 1]) continue;
      let at = filled < k ? filled++ : k - 1;
      while (at > 0 && top[at - 1] < s) {
        top[at] = top[at - 1];
        at--;
      }
      top[at] = s;
    }
    const threshold = top[k - 1];
    let greater = 0;
    let equal = 0;
    for (let i = 0; i < index.size; i++) {
      if (index.selfAligned && i === q) continue;
      if (sims[i] > threshold) greater++;
      else if (sims[i] === threshold) equal++;
    }
    const tiedWeight = (k - greater) / equal;
    visit(q, {
      forEachWeighted(fn) {
        for (let i = 0; i < index.size; i++) {
          if (index.selfAligned && i === q) continue;
          if (sims[i] > threshold) fn(i, 1);
          else if (sims[i] === threshold) fn(i, tiedWeight);
        }
      },
    });
  }
}

/**
 * Fraction of queries whose label wins the majority vote of their k nearest references (cosine;
 * ties scored in expectation, see the file header).
 */
export function knnClassAccuracy(
  index: SimilarityIndex,
  labels: { readonly references: ArrayLike<number>; readonly queries?: ArrayLike<number> },
  k = 10,
): number {
  const queryLabels = labels.queries ?? labels.references;
  check(labels.references.length === index.size, 'labels.references.length', `${index.size}`, labels.references.length);
  check(queryLabels.length === index.queries, 'labels.queries.length', `${index.queries}`, queryLabels.length);
  const votes = new Map<number, number>();
  let score = 0;
  neighbourhoods(index, k, (q, hood) => {
    votes.clear();
    hood.forEachWeighted((i, w) => {
      const c = labels.references[i];
      votes.set(c, (votes.get(c) ?? 0) + w);
    });
    let best = -Infinity;
    for (const v of votes.values()) best = Math.max(best, v);
    let winners = 0;
    let mine = false;
    for (const [c, v] of votes) {
      if (v >= best - 1e-9) {
        winners++;
        if (c === queryLabels[q]) mine = true;
      }
    }
    if (mine) score += 1 / winners;
  });
  return score / index.queries;
}

/**
 * Mean over queries of the fraction of their k nearest references that share their label
 * (leave-one-out when the index is self-aligned; ties scored in expectation).
 */
export function precisionAtK(index: SimilarityIndex, labels: { readonly references: ArrayLike<number>; readonly queries?: ArrayLike<number> }, k = 10): number {
  const queryLabels = labels.queries ?? labels.references;
  check(labels.references.length === index.size, 'labels.references.length', `${index.size}`, labels.references.length);
  check(queryLabels.length === index.queries, 'labels.queries.length', `${index.queries}`, queryLabels.length);
  let total = 0;
  neighbourhoods(index, k, (q, hood) => {
    let hits = 0;
    hood.forEachWeighted((i, w) => {
      if (labels.references[i] === queryLabels[q]) hits += w;
    });
    total += hits / k;
  });
  return total / index.queries;
}
