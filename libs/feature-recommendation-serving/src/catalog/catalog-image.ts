/**
 * The cheap checks the catalog API makes on an image before storing it: a size bound and the
 * file signature of the declared content type (PNG: 89 50 4E 47 0D 0A 1A 0A, RFC 2083 §3.1;
 * JPEG: FF D8 FF, the SOI marker and the next marker's prefix). Full decoding happens in
 * inference-worker, which sends an image it cannot decode to `.dlq` with the reason.
 */
import type { CatalogImageContentType } from '@cohort/contracts';

/** Largest image file the catalog API stores (8 MiB, inference-worker's default limit). */
export const CATALOG_MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/** JSON body limit that fits a base64 image of CATALOG_MAX_IMAGE_BYTES plus the text fields. */
export const CATALOG_JSON_LIMIT = Math.ceil((CATALOG_MAX_IMAGE_BYTES * 4) / 3) + 64 * 1024;

const SIGNATURES: Record<CatalogImageContentType, readonly number[]> = {
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'image/jpeg': [0xff, 0xd8, 0xff],
};

/** Why the bytes cannot be the declared image, or undefined when they may be. */
export function imageProblem(bytes: Uint8Array, contentType: CatalogImageContentType, maxBytes = CATALOG_MAX_IMAGE_BYTES): string | undefined {
  if (bytes.length === 0) return 'the image is empty';
  if (bytes.length > maxBytes) return `the image is ${bytes.length} bytes; at most ${maxBytes} are accepted`;
  const signature = SIGNATURES[contentType];
  if (bytes.length < signature.length || signature.some((byte, i) => bytes[i] !== byte)) {
    return `the bytes are not a ${contentType === 'image/png' ? 'PNG' : 'JPEG'} file (wrong signature)`;
  }
  return undefined;
}
