/**
 * Shamir t-of-m secret sharing of 32-byte secrets (Shamir, "How to Share a Secret", CACM 1979),
 * delegated to `shamir-secret-sharing` (Privy; audited by Cure53 and Zellic, 2024): GF(2^8)
 * byte-wise sharing, one random x-coordinate in [1, 255] per share, stored as the share's last
 * byte. This file only adapts its API: plain Uint8Array in and out, errors as SecAggError.
 *
 * Why this library: audited, dependency-free, runs in browsers, and its shares are small (33
 * bytes for a 32-byte secret). Its limit, at most 255 shares, bounds the Harary degree k ≤ 255
 * (params.ts), which covers every k the parameter table needs for γ ≤ 0.1 (docs/secagg.md).
 *
 * Invariant: any t distinct shares of a split reconstruct the secret; t − 1 shares are
 * consistent with every secret (perfect hiding, tested in shamir.spec.ts).
 */
import { combine, split } from 'shamir-secret-sharing';
import { plainBytes } from './bytes';
import { SecAggError, SecAggErrorCode } from './secagg-error';

export const SECRET_LENGTH = 32;
export const SHARE_LENGTH = SECRET_LENGTH + 1;

export async function splitSecret(secret: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  if (secret.length !== SECRET_LENGTH) throw new RangeError(`secret must be ${SECRET_LENGTH} bytes, got ${secret.length}`);
  return split(plainBytes(secret), shares, threshold);
}

/** The x-coordinate a share is evaluated at. */
export function shareIndex(share: Uint8Array): number {
  return share[share.length - 1]!;
}

/** Interpolates the secret from shares (all of them are used; pass exactly t for speed). */
export async function combineShares(shares: readonly Uint8Array[]): Promise<Uint8Array> {
  const seen = new Set<number>();
  for (const share of shares) {
    if (share.length !== SHARE_LENGTH) {
      throw new SecAggError(SecAggErrorCode.MalformedMessage, `a share must be ${SHARE_LENGTH} bytes, got ${share.length}`);
    }
    const x = shareIndex(share);
    if (x === 0 || seen.has(x)) {
      throw new SecAggError(SecAggErrorCode.MalformedMessage, `share x-coordinates must be distinct and non-zero (x = ${x})`);
    }
    seen.add(x);
  }
  if (shares.length < 2) throw new SecAggError(SecAggErrorCode.InsufficientShares, 'at least 2 shares are needed');
  return combine(shares.map(plainBytes));
}
