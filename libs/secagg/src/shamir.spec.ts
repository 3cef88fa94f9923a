/**
 * Shamir sharing as the protocol uses it: every t-subset reconstructs (exhaustively for k ≤ 7),
 * t − 1 shares are consistent with every possible secret (checked with an independent GF(2^8)
 * Lagrange implementation below), a single share is uniformly distributed whatever the secret,
 * and a tampered share changes the result (the protocol then refuses it by commitment: see
 * protocol-rejections.spec.ts).
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from './bytes';
import { SecAggErrorCode } from './secagg-error';
import { SHARE_LENGTH, combineShares, shareIndex, splitSecret } from './shamir';

const random32 = () => new Uint8Array(nodeCrypto.randomBytes(32));

/** GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (FIPS 197 §4.2), by shift-and-add. */
function gfMul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const carry = a & 0x80;
    a = (a << 1) & 0xff;
    if (carry) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}
function gfInv(a: number): number {
  for (let x = 1; x < 256; x++) if (gfMul(a, x) === 1) return x;
  throw new Error('0 has no inverse');
}
/** Value at `at` of the polynomial through the points (xs[i], ys[i]) (Lagrange). */
function interpolate(xs: number[], ys: number[], at: number): number {
  let acc = 0;
  for (let i = 0; i < xs.length; i++) {
    let basis = 1;
    for (let j = 0; j < xs.length; j++) {
      if (i === j) continue;
      basis = gfMul(basis, gfMul(at ^ xs[j]!, gfInv(xs[i]! ^ xs[j]!)));
    }
    acc ^= gfMul(ys[i]!, basis);
  }
  return acc;
}

function* subsets<T>(items: readonly T[]): Generator<T[]> {
  for (let mask = 1; mask < 1 << items.length; mask++) yield items.filter((_, i) => mask & (1 << i));
}

describe('Shamir t-of-k sharing', () => {
  it('every subset of at least t shares reconstructs, every smaller one does not (k ≤ 7, all t)', async () => {
    for (let k = 2; k <= 7; k++) {
      for (let t = 2; t <= k; t++) {
        const secret = random32();
        const shares = await splitSecret(secret, k, t);
        expect(shares).toHaveLength(k);
        for (const subset of subsets(shares)) {
          if (subset.length < 2) continue; // the library needs two points to interpolate
          const got = toHex(await combineShares(subset));
          if (subset.length >= t) expect(got, `k=${k} t=${t} |S|=${subset.length}`).toBe(toHex(secret));
          else expect(got, `k=${k} t=${t} |S|=${subset.length}`).not.toBe(toHex(secret));
        }
      }
    }
  });

  it('t − 1 shares are consistent with every secret: completing them with (0, s) yields s for any s', async () => {
    for (const t of [2, 3, 5, 8]) {
      const shares = await splitSecret(random32(), t + 2, t);
      const known = shares.slice(0, t - 1);
      const xs = known.map(shareIndex);
      const fresh = [...Array(255).keys()].map((i) => i + 1).find((x) => !xs.includes(x))!;
      for (let trial = 0; trial < 8; trial++) {
        const candidate = random32();
        // The unique polynomial of degree t − 1 through (0, s) and the known shares, evaluated at a fresh x.
        const forged = new Uint8Array(SHARE_LENGTH);
        for (let byte = 0; byte < 32; byte++) {
          forged[byte] = interpolate([0, ...xs], [candidate[byte]!, ...known.map((s) => s[byte]!)], fresh);
        }
        forged[32] = fresh;
        expect(toHex(await combineShares([...known, forged]))).toBe(toHex(candidate));
      }
    }
  });

  it('a single share (t = 2) is uniformly distributed, whatever the secret (χ² over 256 bins)', async () => {
    for (const secret of [new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
      const counts = new Array<number>(256).fill(0);
      const samples = 5_120;
      for (let i = 0; i < samples; i++) counts[(await splitSecret(secret, 2, 2))[0]![0]!]!++;
      const expected = samples / 256;
      const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
      // 255 degrees of freedom: P[χ² > 370] < 10^-5.
      expect(chi2).toBeLessThan(370);
    }
  }, 60_000);

  it('a tampered share yields a different secret; malformed share sets are refused', async () => {
    const secret = random32();
    const shares = await splitSecret(secret, 5, 3);
    const tampered = shares[1]!.slice();
    tampered[7]! ^= 0x40;
    expect(toHex(await combineShares([shares[0]!, tampered, shares[2]!]))).not.toBe(toHex(secret));
    await expect(combineShares([shares[0]!, shares[0]!, shares[1]!])).rejects.toMatchObject({ code: SecAggErrorCode.MalformedMessage });
    await expect(combineShares([shares[0]!, shares[1]!.subarray(1)])).rejects.toMatchObject({ code: SecAggErrorCode.MalformedMessage });
    await expect(combineShares([shares[0]!])).rejects.toMatchObject({ code: SecAggErrorCode.InsufficientShares });
  });

  it('uses distinct non-zero x-coordinates for up to 255 shares', async () => {
    const shares = await splitSecret(random32(), 255, 128);
    const xs = new Set(shares.map(shareIndex));
    expect(xs.size).toBe(255);
    expect(xs.has(0)).toBe(false);
  });
});
