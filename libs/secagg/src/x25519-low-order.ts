/**
 * Low-order X25519 public keys. X25519 with a point of order 1, 2, 4 or 8 yields the all-zero
 * value whatever the secret (the clamped scalar is a multiple of the cofactor 8), so a peer that
 * advertises one forces a known "shared" secret; RFC 7748 §6.1 asks to refuse that output.
 *
 * Invariants:
 * - `SMALL_ORDER_U` lists every u-coordinate of small order below 2^255 (libsodium's blacklist):
 *   0, 1, the two of order 8, p − 1, and the non-canonical p ≡ 0 and p + 1 ≡ 1. X25519 ignores bit
 *   255 (§5), so a key matches with that bit cleared; crypto-suite.spec.ts checks that exactly
 *   these give the all-zero output.
 * - every refusal is a SecAggError MALFORMED_MESSAGE whose message says "low-order".
 */
import { fromHex } from './bytes';
import { SecAggError, SecAggErrorCode } from './secagg-error';

const SMALL_ORDER_U: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(fromHex);

/** Whether a 32-byte X25519 public key is of small order (bit 255 ignored). Public data: not constant time. */
export function isLowOrderX25519Key(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  return SMALL_ORDER_U.some((u) => u.every((byte, i) => byte === (i === 31 ? publicKey[i]! & 0x7f : publicKey[i]!)));
}

export function lowOrderKeyError(what = 'the X25519 public key'): SecAggError {
  return new SecAggError(SecAggErrorCode.MalformedMessage, `${what} is a low-order point (X25519 would give the all-zero shared secret, RFC 7748 §6.1)`);
}

/** Refuses a low-order peer key before X25519, and an all-zero result after it. */
export function refuseLowOrder(publicKey: Uint8Array): void {
  if (isLowOrderX25519Key(publicKey)) throw lowOrderKeyError();
}

export function refuseAllZero(shared: Uint8Array): Uint8Array {
  let acc = 0;
  for (const b of shared) acc |= b;
  if (acc === 0) throw lowOrderKeyError();
  return shared;
}
