/**
 * The randomness port of @cohort/dp: a function that fills a byte array with cryptographically
 * secure random bytes. The default is WebCrypto's getRandomValues (Node ≥ 20 and browsers);
 * tests inject a deterministic source.
 *
 * Invariant: samplers read randomness only through this port, in whole bytes, and reject-sample
 * so every integer they derive is exactly uniform (no modulo bias).
 */
import { DpError, DpErrorCode } from './dp-error';

export type RandomSource = (bytes: Uint8Array) => void;

/** WebCrypto's limit per getRandomValues call. */
const MAX_CHUNK = 65536;

export const cryptoRandomSource: RandomSource = (bytes) => {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (!c?.getRandomValues) {
    throw new DpError(
      DpErrorCode.RandomSourceFailed,
      'globalThis.crypto.getRandomValues is unavailable: pass a RandomSource backed by a CSPRNG',
    );
  }
  for (let off = 0; off < bytes.length; off += MAX_CHUNK) {
    c.getRandomValues(bytes.subarray(off, Math.min(bytes.length, off + MAX_CHUNK)));
  }
};

/** Buffered reader over a RandomSource: uniform doubles, uint32s and bounded bigints. */
export class RandomReader {
  private readonly buffer: Uint8Array;
  private readonly view: DataView;
  private offset: number;

  constructor(
    private readonly source: RandomSource = cryptoRandomSource,
    bufferSize = 4096,
  ) {
    this.buffer = new Uint8Array(bufferSize);
    this.view = new DataView(this.buffer.buffer);
    this.offset = bufferSize;
  }

  uint32(): number {
    if (this.offset + 4 > this.buffer.length) {
      this.source(this.buffer);
      this.offset = 0;
    }
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  /** Uniform on (0, 1): 53 random bits, offset by half a step so 0 and 1 never occur. */
  uniformOpen(): number {
    const hi = this.uint32() >>> 11; // 21 bits
    const lo = this.uint32(); // 32 bits
    return (hi * 2 ** 32 + lo + 0.5) / 2 ** 53;
  }

  /** Uniform integer in [0, n) for bigint n ≥ 1, by rejection (exact). */
  bigintBelow(n: bigint): bigint {
    if (n <= 0n) throw new RangeError(`bound must be >= 1; got ${n}`);
    if (n === 1n) return 0n;
    const bits = (n - 1n).toString(2).length;
    const words = Math.ceil(bits / 32);
    const excess = BigInt(words * 32 - bits);
    for (;;) {
      let v = 0n;
      for (let i = 0; i < words; i++) v = (v << 32n) | BigInt(this.uint32());
      v >>= excess;
      if (v < n) return v;
    }
  }
}
