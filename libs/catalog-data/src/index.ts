/**
 * @cohort/catalog-data — the real catalog data sets (Superstore order log, Fashion-MNIST images,
 * Instacart purchase histories) in their versioned local form, a seeded synthetic population over
 * the real catalog, and the retrieval metrics and baselines that say whether item embeddings mean
 * anything. See docs/data.md.
 *
 * Invariant: pure — no framework, no file system, no environment. Loaders read through the
 * `DatasetFiles` port and verify every byte against the data set's manifest (SHA-256 via WebCrypto).
 */
export { CatalogDataError, CatalogDataErrorCode } from './catalog-data-error';
export { parseCsv } from './csv';
export {
  type DatasetFiles,
  type DatasetManifest,
  type DatasetSource,
  type ManifestFile,
  MANIFEST_FILE,
  decodeJson,
  readManifest,
  readVerified,
  sha256Hex,
} from './dataset-files';
export {
  type LoadedSuperstore,
  type NamedProduct,
  type Superstore,
  type SuperstoreInteraction,
  type SuperstoreProduct,
  type SuperstoreSummary,
  SUPERSTORE_DATASET,
  SUPERSTORE_FILES,
  SUPERSTORE_FORMAT_VERSION,
  distinctProductNames,
  loadSuperstore,
  summarizeSuperstore,
  superstoreFromCsv,
} from './superstore';
export {
  type FashionMnistSplit,
  type GrayImage,
  type LabelledImages,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DATASET,
  FASHION_MNIST_FORMAT_VERSION,
  FASHION_MNIST_PIXELS,
  FASHION_MNIST_SIDE,
  FASHION_MNIST_SPLIT,
  fashionMnistClassFromJson,
  fashionMnistFiles,
  imageAt,
  loadFashionMnist,
  selectImages,
  splitByClass,
  stratifiedSubset,
} from './fashion-mnist';
export {
  type Instacart,
  type InstacartOrder,
  type InstacartOrderRecord,
  type InstacartProductRecord,
  type InstacartSummary,
  type InstacartUser,
  type LoadedInstacart,
  INSTACART_DATASET,
  INSTACART_FILES,
  INSTACART_FORMAT_VERSION,
  instacartFromCsv,
  instacartRecords,
  loadInstacart,
  summarizeInstacart,
} from './instacart';
export { mixSeed, seededPermutation, seededStream } from './random';
export {
  type PopulationModel,
  type SyntheticPopulation,
  type SyntheticPopulationOptions,
  generateSyntheticPopulation,
  populationBytes,
  populationModelFromSuperstore,
  userAffinity,
  userHistory,
} from './synthetic-population';
export {
  type Matrix,
  type SimilarityIndex,
  denseCosineIndex,
  knnClassAccuracy,
  l2NormalizeRows,
  matrixFromBytes,
  matrixFromRows,
  precisionAtK,
} from './retrieval-metrics';
export { type SparseVectors, type TfidfModel, fitTfidf, sparseCosineIndex, tokenize } from './tfidf';
export { embeddingKnnAccuracy, embeddingPrecisionAtK, labelIndices, pixelKnnAccuracy, tfidfPrecisionAtK } from './baselines';
