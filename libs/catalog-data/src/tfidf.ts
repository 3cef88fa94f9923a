/**
 * Bag-of-words TF-IDF vectors — the text baseline an embedding must beat.
 *
 * Follows scikit-learn's TfidfVectorizer defaults so the baseline is the one people know:
 * lower-case, tokens are maximal runs of two or more word characters (`\b\w\w+\b`), tf = raw count,
 * idf(t) = ln((1 + n) / (1 + df(t))) + 1 (smooth_idf), every vector L2-normalised.
 * Similarity is cosine, i.e. the dot product of the normalised sparse vectors.
 */
import { check } from './catalog-data-error';
import { type SimilarityIndex } from './retrieval-metrics';

const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/** Sparse rows in CSR form: row r holds terms[offsets[r] .. offsets[r + 1]). */
export interface SparseVectors {
  readonly rows: number;
  readonly offsets: Uint32Array;
  readonly terms: Uint32Array;
  readonly weights: Float64Array;
}

export interface TfidfModel {
  readonly vocabulary: ReadonlyMap<string, number>;
  readonly idf: Float64Array;
}

/** Fits idf on `documents` and returns their L2-normalised TF-IDF vectors. */
export function fitTfidf(documents: readonly string[]): { model: TfidfModel; vectors: SparseVectors } {
  check(documents.length > 0, 'documents', 'non-empty', documents.length);
  const vocabulary = new Map<string, number>();
  const tokenized = documents.map(tokenize);
  const df: number[] = [];
  for (const tokens of tokenized) {
    for (const t of new Set(tokens)) {
      let id = vocabulary.get(t);
      if (id === undefined) {
        id = vocabulary.size;
        vocabulary.set(t, id);
        df.push(0);
      }
      df[id]++;
    }
  }
  const n = documents.length;
  const idf = Float64Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1);
  const offsets = new Uint32Array(n + 1);
  const terms: number[] = [];
  const weights: number[] = [];
  tokenized.forEach((tokens, r) => {
    const tf = new Map<number, number>();
    for (const t of tokens) {
      const id = vocabulary.get(t)!;
      tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    const ids = [...tf.keys()].sort((a, b) => a - b);
    let norm = 0;
    for (const id of ids) norm += (tf.get(id)! * idf[id]) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (const id of ids) {
      terms.push(id);
      weights.push(tf.get(id)! * idf[id] * scale);
    }
    offsets[r + 1] = terms.length;
  });
  return { model: { vocabulary, idf }, vectors: { rows: n, offsets, terms: Uint32Array.from(terms), weights: Float64Array.from(weights) } };
}

/** Leave-one-out cosine index over sparse, already normalised vectors (through an inverted index). */
export function sparseCosineIndex(vectors: SparseVectors): SimilarityIndex {
  const postings = new Map<number, { docs: number[]; weights: number[] }>();
  for (let r = 0; r < vectors.rows; r++) {
    for (let p = vectors.offsets[r]; p < vectors.offsets[r + 1]; p++) {
      let list = postings.get(vectors.terms[p]);
      if (!list) postings.set(vectors.terms[p], (list = { docs: [], weights: [] }));
      list.docs.push(r);
      list.weights.push(vectors.weights[p]);
    }
  }
  return {
    size: vectors.rows,
    queries: vectors.rows,
    selfAligned: true,
    similaritiesTo(query, out) {
      out.fill(0);
      for (let p = vectors.offsets[query]; p < vectors.offsets[query + 1]; p++) {
        const list = postings.get(vectors.terms[p])!;
        const w = vectors.weights[p];
        for (let j = 0; j < list.docs.length; j++) out[list.docs[j]] += w * list.weights[j];
      }
    },
  };
}
