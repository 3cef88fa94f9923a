/**
 * Claim check: large payloads (model weights, aggregates) never travel in an event. The event
 * carries where the bytes are, how many there are, and their SHA-256, and the reader verifies both.
 */
import { z } from 'zod';

export const BlobRef = z.object({
  uri: z.string().min(1).max(2048),
  byteLength: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits'),
  contentType: z.string().min(1).max(128),
});
export type BlobRef = z.infer<typeof BlobRef>;
