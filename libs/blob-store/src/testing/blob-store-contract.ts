/**
 * The one contract suite every `BlobStore` adapter passes: `describeBlobStoreContract` declares
 * vitest tests for a factory. Run by memory-blob-store.spec.ts and file-system-blob-store.spec.ts
 * (in a temp directory). It pins down: content addressing (published SHA-256 vectors), same bytes
 * → same ref, verified reads (a tampered or truncated blob, or a ref with the wrong length, is an
 * 'integrity' error; an unknown digest 'not-found'; a malformed ref 'invalid-ref'), repair by
 * putting again, safety under concurrent puts, and a large blob read without a second copy.
 *
 * Not exported from the lib's index (it imports vitest); adapters inside this lib import it.
 */
import { createHash } from 'node:crypto';
import type { BlobRef } from '@cohort/contracts';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { BlobStoreError, type BlobStoreErrorCode } from '../blob-store.error';
import type { BlobStore } from '../blob-store.port';

export interface BlobStoreUnderTest {
  /** An empty store. */
  readonly store: BlobStore;
  /** Makes the store hold `bytes` under `ref`'s digest, bypassing `put` (corruption, truncation). */
  overwriteStored(ref: BlobRef, bytes: Uint8Array): Promise<void>;
}

export interface BlobStoreContractOptions {
  /** Size of the large-blob test (default 64 MiB). */
  readonly largeBlobBytes?: number;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** FIPS 180-2 / NIST examples for SHA-256. */
const VECTORS: [string, string][] = [
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [
    'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  ],
];

export async function blobCodeOf(promise: Promise<unknown>): Promise<BlobStoreErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BlobStoreError);
    return (error as BlobStoreError).code;
  }
  throw new Error('expected the call to reject with a BlobStoreError, but it resolved');
}

/**
 * Byte equality without vitest's element-by-element deep equality (seconds per MiB): same
 * constructor, length and content.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  expect(actual, message).toBeInstanceOf(Uint8Array);
  expect(actual.byteLength, message).toBe(expected.byteLength);
  expect(Buffer.compare(actual, expected), message).toBe(0);
}

/** Deterministic pseudo-random bytes (xorshift), cheap to make in bulk. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(length / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < length; i++) bytes[i] = i & 0xff;
  return bytes;
}

export function describeBlobStoreContract(
  label: string,
  open: () => Promise<BlobStoreUnderTest>,
  options: BlobStoreContractOptions = {},
): void {
  const largeBlobBytes = options.largeBlobBytes ?? 64 * 1024 * 1024;

  describe(`BlobStore contract: ${label}`, () => {
    let subject: BlobStoreUnderTest;
    let store: BlobStore;

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });

    it('put returns a ref naming the content; get returns the same bytes; has is true', async () => {
      const bytes = text('model weights v1');
      const ref = await store.put(bytes, 'application/octet-stream');
      expect(ref).toEqual({
        uri: `blob://sha256/${ref.sha256}`,
        byteLength: bytes.byteLength,
        sha256: ref.sha256,
        contentType: 'application/octet-stream',
      });
      expect(ref.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await store.get(ref)).toEqual(bytes);
      expect(await store.has(ref)).toBe(true);
    });

    it('addresses content by its SHA-256 (published vectors)', async () => {
      for (const [message, digest] of VECTORS) {
        const ref = await store.put(text(message), 'text/plain');
        expect(ref.sha256, JSON.stringify(message)).toBe(digest);
        expect(ref.uri).toBe(`blob://sha256/${digest}`);
        expect(await store.get(ref)).toEqual(text(message));
      }
    });

    it('the same bytes give the same ref; the content type rides in the ref only', async () => {
      const first = await store.put(text('same'), 'application/json');
      const again = await store.put(text('same'), 'application/json');
      const relabelled = await store.put(text('same'), 'text/plain');
      expect(again).toEqual(first);
      expect(relabelled).toEqual({ ...first, contentType: 'text/plain' });
      expect(await store.get(first)).toEqual(text('same'));
      expect(await store.get(relabelled)).toEqual(text('same'));
    });

    it('roundtrips any bytes', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
          const ref = await store.put(bytes, 'application/octet-stream');
          expect(ref.byteLength).toBe(bytes.byteLength);
          expect(await store.get(ref)).toEqual(bytes);
        }),
        { numRuns: 50 },
      );
    });

    it('neither the array given to put nor the one get returns aliases the stored blob', async () => {
      const bytes = text('do not alias me');
      const ref = await store.put(bytes, 'text/plain');
      bytes.fill(0);
      const read = await store.get(ref);
      expect(read).toEqual(text('do not alias me'));
      read.fill(1);
      expect(await store.get(ref)).toEqual(text('do not alias me'));
    });

    it('get returns an array over its own buffer (safe for typed-array views of the weights)', async () => {
      const floats = new Float32Array([1.5, -2.25, 3]);
      const ref = await store.put(new Uint8Array(floats.buffer), 'application/x-float32');
      const read = await store.get(ref);
      expect(read.byteOffset).toBe(0);
      expect(read.buffer.byteLength).toBe(read.byteLength);
      expect([...new Float32Array(read.buffer)]).toEqual([1.5, -2.25, 3]);
    });

    it('a digest that was never stored is not-found, and has is false', async () => {
      const ref = refOf(text('never stored'));
      expect(await blobCodeOf(store.get(ref))).toBe('not-found');
      expect(await store.has(ref)).toBe(false);
    });

    it('a tampered blob (same length) is an integrity error, never the wrong bytes; putting again repairs it', async () => {
      const bytes = text('aggregate of round 7');
      const ref = await store.put(bytes, 'application/octet-stream');
      const tampered = bytes.slice();
      tampered[3]! ^= 0x01;
      await subject.overwriteStored(ref, tampered);
      expect(await blobCodeOf(store.get(ref))).toBe('integrity');
      expect(await store.put(bytes, 'application/octet-stream')).toEqual(ref);
      expect(await store.get(ref)).toEqual(bytes);
    });

    it('a truncated blob is an integrity error and has is false; putting again repairs it', async () => {
      const bytes = text('weights that got cut short');
      const ref = await store.put(bytes, 'application/octet-stream');
      await subject.overwriteStored(ref, bytes.subarray(0, 5));
      expect(await blobCodeOf(store.get(ref))).toBe('integrity');
      expect(await store.has(ref)).toBe(false);
      await store.put(bytes, 'application/octet-stream');
      expect(await store.get(ref)).toEqual(bytes);
    });

    it('a ref with the wrong byte length is an integrity error', async () => {
      const ref = await store.put(text('twelve bytes'), 'text/plain');
      for (const byteLength of [ref.byteLength - 1, ref.byteLength + 1, 0]) {
        expect(await blobCodeOf(store.get({ ...ref, byteLength })), String(byteLength)).toBe('integrity');
        expect(await store.has({ ...ref, byteLength })).toBe(false);
      }
    });

    it('a malformed ref is invalid-ref, for get and has', async () => {
      const ref = await store.put(text('x'), 'text/plain');
      const other = 'b'.repeat(64);
      const malformed: unknown[] = [
        null,
        'blob://sha256/' + ref.sha256,
        { ...ref, uri: `s3://bucket/${ref.sha256}` },
        { ...ref, uri: `blob://sha256/${other}` },
        { ...ref, uri: `blob://sha256/${ref.sha256.toUpperCase()}`, sha256: ref.sha256.toUpperCase() },
        { ...ref, uri: `blob://sha256/../${ref.sha256.slice(3)}` },
        { ...ref, byteLength: -1 },
        { ...ref, byteLength: 1.5 },
        { uri: ref.uri, sha256: ref.sha256, byteLength: ref.byteLength },
      ];
      for (const bad of malformed) {
        expect(await blobCodeOf(store.get(bad as BlobRef)), JSON.stringify(bad)).toBe('invalid-ref');
        expect(await blobCodeOf(store.has(bad as BlobRef)), JSON.stringify(bad)).toBe('invalid-ref');
      }
    });

    it('put refuses what a BlobRef cannot carry', async () => {
      expect(await blobCodeOf(store.put('text' as unknown as Uint8Array, 'text/plain'))).toBe('invalid-argument');
      expect(await blobCodeOf(store.put(text('x'), ''))).toBe('invalid-argument');
      expect(await blobCodeOf(store.put(text('x'), 'x'.repeat(129)))).toBe('invalid-argument');
    });

    it('concurrent puts of the same bytes are safe: one ref, intact content', async () => {
      const bytes = patternBytes(1024 * 1024, 7);
      const refs = await Promise.all(Array.from({ length: 20 }, () => store.put(bytes, 'application/octet-stream')));
      for (const ref of refs) expect(ref).toEqual(refs[0]);
      expectSameBytes(await store.get(refs[0]!), bytes);
    });

    it('concurrent puts of different bytes are all readable', async () => {
      const blobs = Array.from({ length: 20 }, (_, i) => patternBytes(10_000 + i, i + 1));
      const refs = await Promise.all(blobs.map((bytes) => store.put(bytes, 'application/octet-stream')));
      expect(new Set(refs.map((ref) => ref.sha256)).size).toBe(20);
      const read = await Promise.all(refs.map((ref) => store.get(ref)));
      read.forEach((bytes, i) => expectSameBytes(bytes, blobs[i]!));
    });

    it(`a large blob (${largeBlobBytes} bytes) roundtrips, and get holds one copy of it, not two`, async () => {
      const bytes = patternBytes(largeBlobBytes, 42);
      const ref = await store.put(bytes, 'application/octet-stream');
      expect(ref.byteLength).toBe(largeBlobBytes);
      const before = process.memoryUsage().arrayBuffers;
      const read = await store.get(ref);
      const grown = process.memoryUsage().arrayBuffers - before;
      expect(grown).toBeLessThan(1.5 * largeBlobBytes);
      expectSameBytes(read, bytes);
    }, 60_000);
  });
}

/** The ref a blob would get, computed here without storing it anywhere. */
function refOf(bytes: Uint8Array): BlobRef {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { uri: `blob://sha256/${sha256}`, byteLength: bytes.byteLength, sha256, contentType: 'text/plain' };
}
