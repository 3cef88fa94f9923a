/**
 * Runs the BlobStore contract against FileSystemBlobStore in a fresh temp directory per test, plus
 * what only the directory layout has: where files go, that temp files never show and never stay,
 * that a reader never sees a partly written file under the final name, and I/O errors.
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobStoreError } from './blob-store.error';
import { createBlobStore } from './blob-store.factory';
import { FileSystemBlobStore } from './file-system-blob-store.adapter';
import { describeBlobStoreContract, expectSameBytes, patternBytes } from './testing/blob-store-contract';

const roots: string[] = [];
async function freshRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cohort-blob-store-'));
  roots.push(root);
  return root;
}
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describeBlobStoreContract('file system', async () => {
  const store = new FileSystemBlobStore({ root: await freshRoot() });
  return {
    store,
    overwriteStored: (ref, bytes) => writeFile(store.pathOf(ref.sha256), bytes),
  };
});

describe('FileSystemBlobStore', () => {
  it('stores blob <hex> at <root>/sha256/<first 2 hex>/<hex>, alone in its directory', async () => {
    const root = await freshRoot();
    const store = new FileSystemBlobStore({ root });
    const ref = await store.put(new TextEncoder().encode('abc'), 'text/plain');
    const hex = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(store.pathOf(ref.sha256)).toBe(join(root, 'sha256', 'ba', hex));
    expect((await stat(join(root, 'sha256', 'ba', hex))).size).toBe(3);
    expect(await readdir(join(root, 'sha256', 'ba'))).toEqual([hex]);
  });

  it('leaves no temp file behind, even after many concurrent puts', async () => {
    const store = new FileSystemBlobStore({ root: await freshRoot() });
    const bytes = patternBytes(256 * 1024, 3);
    const [ref] = await Promise.all(Array.from({ length: 10 }, () => store.put(bytes, 'application/octet-stream')));
    expect(await readdir(dirname(store.pathOf(ref!.sha256)))).toEqual([ref!.sha256]);
  });

  it('a stray temp file (a crash mid-write) is not a blob', async () => {
    const store = new FileSystemBlobStore({ root: await freshRoot() });
    const bytes = new TextEncoder().encode('complete');
    const ref = await store.put(bytes, 'text/plain');
    await rm(store.pathOf(ref.sha256));
    await writeFile(join(dirname(store.pathOf(ref.sha256)), `.${ref.sha256}.deadbeef0000.tmp`), bytes.subarray(0, 3));
    expect(await store.has(ref)).toBe(false);
    await expect(store.get(ref)).rejects.toMatchObject({ code: 'not-found' });
    await store.put(bytes, 'text/plain');
    expect(await store.get(ref)).toEqual(bytes);
  });

  it('never shows a partly written file under the final name while a large put runs', async () => {
    const store = new FileSystemBlobStore({ root: await freshRoot() });
    const bytes = patternBytes(32 * 1024 * 1024, 9);
    const ref = await new FileSystemBlobStore({ root: await freshRoot() }).put(bytes, 'application/octet-stream');
    const path = store.pathOf(ref.sha256);
    const sizesSeen = new Set<number>();
    let done = false;
    const put = store.put(bytes, 'application/octet-stream').finally(() => {
      done = true;
    });
    let polls = 0;
    while (!done) {
      polls += 1;
      try {
        sizesSeen.add((await stat(path)).size);
      } catch {
        sizesSeen.add(-1); // not there yet
      }
    }
    await put;
    expect(polls).toBeGreaterThan(1);
    expect([...sizesSeen].filter((size) => size !== -1 && size !== bytes.byteLength)).toEqual([]);
    expectSameBytes(await store.get(ref), bytes);
  });

  it('reads not-found from a root that does not exist yet, and creates it on the first put', async () => {
    const root = join(await freshRoot(), 'not', 'yet');
    const store = new FileSystemBlobStore({ root });
    const bytes = new TextEncoder().encode('first');
    const ref = await new FileSystemBlobStore({ root: await freshRoot() }).put(bytes, 'text/plain');
    await expect(store.get(ref)).rejects.toMatchObject({ code: 'not-found' });
    expect(await store.put(bytes, 'text/plain')).toEqual(ref);
    expect(await store.get(ref)).toEqual(bytes);
  });

  it('reports a storage failure as io, naming the path', async () => {
    const root = join(await freshRoot(), 'a-file');
    await writeFile(root, 'not a directory');
    const store = new FileSystemBlobStore({ root });
    const error = await store.put(new Uint8Array([1]), 'application/octet-stream').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobStoreError);
    expect((error as BlobStoreError).code).toBe('io');
    expect((error as BlobStoreError).message).toContain(root);
  });

  it('refuses an empty root', () => {
    expect(() => new FileSystemBlobStore({ root: '' })).toThrow(BlobStoreError);
  });

  it('createBlobStore({ kind: "fs" }) gives a FileSystemBlobStore on that root', async () => {
    const root = await freshRoot();
    const store = createBlobStore({ kind: 'fs', root });
    expect(store).toBeInstanceOf(FileSystemBlobStore);
    expect((store as FileSystemBlobStore).root).toBe(root);
  });
});
