/**
 * Where the data sets live on disk, and the file-system adapter of @cohort/catalog-data's
 * `DatasetFiles` port. Versions come from datasets.lock.json, the one place they are pinned.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type DatasetFiles } from '@cohort/catalog-data';
import lock from './datasets.lock.json';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export type DatasetName = keyof typeof lock.datasets;
export interface LockedDataset {
  readonly package: string;
  readonly version: string;
  readonly sha256: string;
  readonly integrity: string;
  readonly builtSha256: Readonly<Record<string, string>>;
}

export const DATASET_NAMES = Object.keys(lock.datasets) as DatasetName[];

export function lockedDataset(name: DatasetName): LockedDataset {
  return lock.datasets[name];
}

/** `.data/datasets/<name>/<version>` under `root` (the repository by default). */
export function datasetDir(name: DatasetName, root = REPO_ROOT): string {
  return join(root, '.data', 'datasets', name, lockedDataset(name).version);
}

export function fsDatasetFiles(dir: string): DatasetFiles {
  return { read: async (fileName) => new Uint8Array(await readFile(join(dir, fileName))) };
}

/** The built data set `name` at its pinned version. */
export function openDataset(name: DatasetName, root = REPO_ROOT): DatasetFiles {
  return fsDatasetFiles(datasetDir(name, root));
}
