/**
 * The blob URI scheme and the checks every adapter runs on a ref before touching storage.
 *
 * Scheme: `blob://sha256/<64 lowercase hex>`. The URI names the *content* (its SHA-256), not a
 * place: any Cohort blob store that holds those bytes can serve the ref, so moving blobs from a
 * directory to an S3-compatible store leaves every published ref valid. The ref's `sha256` field
 * must equal the digest in the URI, and its `byteLength` is checked against the stored bytes.
 * The content type travels in the ref only; stores keep bytes, nothing else.
 */
import { createHash } from 'node:crypto';
import { BlobRef } from '@cohort/contracts';
import { BlobStoreError } from './blob-store.error';

export const BLOB_URI_PREFIX = 'blob://sha256/';
const BLOB_URI = /^blob:\/\/sha256\/([0-9a-f]{64})$/;

export function blobUriOf(sha256: string): string {
  return BLOB_URI_PREFIX + sha256;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The digest and length a ref names, once it is known to be well formed; 'invalid-ref' otherwise. */
export function checkRef(ref: unknown): { readonly sha256: string; readonly byteLength: number } {
  const parsed = BlobRef.safeParse(ref);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'ref'}: ${issue.message}`);
    throw new BlobStoreError('invalid-ref', `not a BlobRef (${problems.join('; ')})`);
  }
  const { uri, sha256, byteLength } = parsed.data;
  const match = BLOB_URI.exec(uri);
  if (match === null) {
    throw new BlobStoreError('invalid-ref', `ref uri ${JSON.stringify(uri)} is not of the form ${BLOB_URI_PREFIX}<64 hex digits>`);
  }
  if (match[1] !== sha256) {
    throw new BlobStoreError('invalid-ref', `ref uri ${uri} and sha256 ${sha256} name different content`);
  }
  return { sha256, byteLength };
}

/** Refuses what `put` cannot turn into a valid BlobRef. */
export function checkPutArguments(bytes: unknown, contentType: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new BlobStoreError('invalid-argument', 'bytes must be a Uint8Array (a Buffer is one)');
  }
  if (typeof contentType !== 'string' || contentType.length < 1 || contentType.length > 128) {
    throw new BlobStoreError('invalid-argument', 'contentType must be a string of 1 to 128 characters, e.g. "application/octet-stream"');
  }
}
