/**
 * `BlobStore` on a local directory (standalone mode, development): blob `<hex>` lives at
 * `<root>/sha256/<first 2 hex>/<hex>`, nothing else beside it (no sidecar: the content type is in
 * the ref only).
 *
 * Invariants:
 * - A file under its final name is always a complete blob: `put` writes a temp file in the same
 *   directory (`.<hex>.<random>.tmp`, a name no reader looks up), fsyncs it, renames it into
 *   place (atomic on POSIX) and fsyncs the directory. A crash leaves at most a stray temp file.
 * - Concurrent puts of the same bytes are safe: each writes its own temp file and the renames
 *   replace a complete file with an identical complete file.
 * - `get` never returns bytes that differ from the ref: it checks the size before allocating,
 *   reads into one buffer of exactly that size (no second copy) and checks the SHA-256.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobRef } from '@cohort/contracts';
import { BlobStoreError } from './blob-store.error';
import type { BlobStore } from './blob-store.port';
import { blobUriOf, checkPutArguments, checkRef, sha256Hex } from './blob-ref.validation';

export interface FileSystemBlobStoreOptions {
  /** Directory that holds the blobs; created on the first put. */
  readonly root: string;
}

/** Read size per system call in `get`. */
const READ_CHUNK = 4 * 1024 * 1024;

export class FileSystemBlobStore implements BlobStore {
  readonly root: string;

  constructor(options: FileSystemBlobStoreOptions) {
    if (typeof options.root !== 'string' || options.root === '') {
      throw new BlobStoreError('invalid-argument', 'root must be a directory path');
    }
    this.root = resolve(options.root);
  }

  /** Where the blob with this digest is (or would be) stored. */
  pathOf(sha256: string): string {
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  async put(bytes: Uint8Array, contentType: string): Promise<BlobRef> {
    checkPutArguments(bytes, contentType);
    const sha256 = sha256Hex(bytes);
    const ref: BlobRef = { uri: blobUriOf(sha256), byteLength: bytes.byteLength, sha256, contentType };
    const path = this.pathOf(sha256);
    if (await this.holdsIntact(path, bytes.byteLength, sha256)) return ref;

    const directory = dirname(path);
    const temp = join(directory, `.${sha256}.${randomBytes(6).toString('hex')}.tmp`);
    let handle: FileHandle | undefined;
    try {
      await mkdir(directory, { recursive: true });
      handle = await open(temp, 'wx', 0o644);
      await handle.writeFile(bytes);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, path);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
      throw ioError(`could not write blob ${sha256} under ${directory}`, error);
    }
    await syncDirectory(directory);
    return ref;
  }

  async get(ref: BlobRef): Promise<Uint8Array> {
    const { sha256, byteLength } = checkRef(ref);
    const path = this.pathOf(sha256);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isCode(error, 'ENOENT')) throw notFound(sha256, this.root);
      throw ioError(`could not open blob ${sha256} at ${path}`, error);
    }
    try {
      const { size } = await handle.stat();
      if (size !== byteLength) {
        throw new BlobStoreError(
          'integrity',
          `blob ${sha256} at ${path} has ${size} bytes but the ref says ${byteLength}: ` +
            'either the ref is wrong or the file is corrupt (put the original bytes again to repair it)',
        );
      }
      const bytes = new Uint8Array(byteLength);
      const hash = createHash('sha256');
      let offset = 0;
      while (offset < byteLength) {
        const { bytesRead } = await handle.read(bytes, offset, Math.min(READ_CHUNK, byteLength - offset), offset);
        if (bytesRead === 0) {
          throw new BlobStoreError('integrity', `blob ${sha256} at ${path} ended after ${offset} of ${byteLength} bytes`);
        }
        hash.update(bytes.subarray(offset, offset + bytesRead));
        offset += bytesRead;
      }
      const actual = hash.digest('hex');
      if (actual !== sha256) {
        throw new BlobStoreError(
          'integrity',
          `blob at ${path} does not hash to ${sha256} (got ${actual}): the file is corrupt or was altered; ` +
            'put the original bytes again to repair it',
        );
      }
      return bytes;
    } catch (error) {
      if (error instanceof BlobStoreError) throw error;
      throw ioError(`could not read blob ${sha256} at ${path}`, error);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async has(ref: BlobRef): Promise<boolean> {
    const { sha256, byteLength } = checkRef(ref);
    return (await this.sizeOf(this.pathOf(sha256))) === byteLength;
  }

  /** Whether `path` already holds exactly these bytes (same size, same digest). */
  private async holdsIntact(path: string, byteLength: number, sha256: string): Promise<boolean> {
    if ((await this.sizeOf(path)) !== byteLength) return false;
    const hash = createHash('sha256');
    try {
      await pipeline(createReadStream(path), hash);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false;
      throw ioError(`could not read blob ${sha256} at ${path}`, error);
    }
    return hash.digest('hex') === sha256;
  }

  /** Size of the file at `path`, or undefined when there is none. */
  private async sizeOf(path: string): Promise<number | undefined> {
    try {
      const stats = await stat(path);
      return stats.isFile() ? stats.size : undefined;
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return undefined;
      throw ioError(`could not stat ${path}`, error);
    }
  }
}

/** Makes a rename durable: the directory entry is on disk once this resolves. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms and file systems cannot fsync a directory; the rename is still atomic there.
    if (!isCode(error, 'EISDIR') && !isCode(error, 'EINVAL') && !isCode(error, 'EPERM')) {
      throw ioError(`could not sync directory ${directory}`, error);
    }
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function notFound(sha256: string, root: string): BlobStoreError {
  return new BlobStoreError('not-found', `no blob ${sha256} is stored under ${root}`);
}

function ioError(what: string, cause: unknown): BlobStoreError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new BlobStoreError('io', `${what}: ${detail}`, { cause });
}
