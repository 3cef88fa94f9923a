/**
 * The two baselines the encoder must beat, on exactly the items and metric the encoder is scored
 * on: raw-pixel kNN class accuracy (each image as its 784 pixel values, cosine) and TF-IDF
 * precision@k of same-sub-category retrieval by product name. Both leave-one-out.
 */
import { type LabelledImages } from './fashion-mnist';
import { denseCosineIndex, knnClassAccuracy, type Matrix, matrixFromBytes, matrixFromRows, precisionAtK } from './retrieval-metrics';
import { fitTfidf, sparseCosineIndex } from './tfidf';

/** Small integer labels for string labels (in order of first appearance). */
export function labelIndices(labels: readonly string[]): Uint32Array {
  const ids = new Map<string, number>();
  return Uint32Array.from(labels, (l) => {
    let id = ids.get(l);
    if (id === undefined) ids.set(l, (id = ids.size));
    return id;
  });
}

export function pixelKnnAccuracy(set: LabelledImages, k = 10): number {
  return knnClassAccuracy(denseCosineIndex(matrixFromBytes(set.images, set.count)), { references: set.labels }, k);
}

export function tfidfPrecisionAtK(texts: readonly string[], labels: ArrayLike<number>, k = 10): number {
  return precisionAtK(sparseCosineIndex(fitTfidf(texts).vectors), { references: labels }, k);
}

/** Leave-one-out kNN accuracy of embeddings (one per item, any dimension). */
export function embeddingKnnAccuracy(embeddings: readonly Float32Array[] | Matrix, labels: ArrayLike<number>, k = 10): number {
  const m = 'data' in embeddings ? embeddings : matrixFromRows(embeddings);
  return knnClassAccuracy(denseCosineIndex(m), { references: labels }, k);
}

/** Leave-one-out precision@k of embeddings (one per item, any dimension). */
export function embeddingPrecisionAtK(embeddings: readonly Float32Array[] | Matrix, labels: ArrayLike<number>, k = 10): number {
  const m = 'data' in embeddings ? embeddings : matrixFromRows(embeddings);
  return precisionAtK(denseCosineIndex(m), { references: labels }, k);
}
