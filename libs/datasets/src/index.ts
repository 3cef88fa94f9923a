/**
 * @cohort/datasets — where the pinned data sets live on disk once `npm run setup:data` has built
 * them, and the file-system adapter of @cohort/catalog-data's `DatasetFiles` port, for the tools,
 * benchmarks and apps that read them. The pins themselves are `libs/datasets/datasets.lock.json`.
 */
export {
  DATASET_NAMES, REPO_ROOT, datasetDir, fsDatasetFiles, lockedDataset, openDataset,
  type DatasetName, type LockedDataset,
} from './dataset-paths';
