/**
 * Both CryptoSuite implementations against published vectors (fixtures/rfc-vectors.json), and
 * against each other on random inputs: the masks a browser expands must be the server's masks.
 */
import * as nodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './bytes';
import type { CryptoSuite } from './crypto-suite';
import vectors from './fixtures/rfc-vectors.json';
import { expandMask } from './key-schedule';
import { createNobleCryptoSuite } from './noble-crypto-suite';
import { createNodeCryptoSuite } from './node-crypto-suite';
import { SecAggErrorCode } from './secagg-error';

const SMALL_ORDER_POINTS = [
  '0000000000000000000000000000000000000000000000000000000000000000', // 0 (order 4)
  '0100000000000000000000000000000000000000000000000000000000000000', // 1 (order 1)
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', // order 8
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p − 1 (order 2)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p ≡ 0
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1 ≡ 1
];

const suites: CryptoSuite[] = [createNobleCryptoSuite(), createNodeCryptoSuite(nodeCrypto)];

describe.each(suites)('$name suite against published vectors', (suite) => {
  it('X25519 scalar multiplication, RFC 7748 §5.2', () => {
    for (const v of vectors.x25519.scalarMult) {
      expect(toHex(suite.x25519(fromHex(v.scalar), fromHex(v.u)))).toBe(v.out);
    }
  });

  it('X25519 iterated, RFC 7748 §5.2 (1 and 1000 iterations)', () => {
    let k = fromHex(vectors.x25519.iterated.start);
    let u = fromHex(vectors.x25519.iterated.start);
    for (let i = 1; i <= 1000; i++) {
      const next = suite.x25519(k, u);
      u = k;
      k = next;
      if (i === 1) expect(toHex(k)).toBe(vectors.x25519.iterated.after1);
    }
    expect(toHex(k)).toBe(vectors.x25519.iterated.after1000);
  }, 60_000);

  it('X25519 Diffie-Hellman, RFC 7748 §6.1', () => {
    const v = vectors.x25519.diffieHellman;
    expect(toHex(suite.x25519PublicKey(fromHex(v.alicePrivate)))).toBe(v.alicePublic);
    expect(toHex(suite.x25519PublicKey(fromHex(v.bobPrivate)))).toBe(v.bobPublic);
    expect(toHex(suite.x25519(fromHex(v.alicePrivate), fromHex(v.bobPublic)))).toBe(v.shared);
    expect(toHex(suite.x25519(fromHex(v.bobPrivate), fromHex(v.alicePublic)))).toBe(v.shared);
  });

  // The u-coordinates of order 1, 2, 4 and 8 (libsodium's blacklist; RFC 7748 §6.1's all-zero
  // check catches exactly these), each also with bit 255 set, which X25519 ignores (§5).
  it.each(SMALL_ORDER_POINTS)('X25519 refuses the low-order public key %s with MALFORMED_MESSAGE', (hex) => {
    const secret = fromHex(vectors.x25519.diffieHellman.alicePrivate);
    const highBit = fromHex(hex);
    highBit[31]! |= 0x80;
    for (const key of [fromHex(hex), highBit]) {
      expect(() => suite.x25519(secret, key)).toThrow(expect.objectContaining({ name: 'SecAggError', code: SecAggErrorCode.MalformedMessage, message: expect.stringMatching(/low-order/) }));
    }
  });

  it('X25519 does not refuse p + 2 (u = 2 is not of small order)', () => {
    const pPlus2 = fromHex('efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    expect(suite.x25519(fromHex(vectors.x25519.diffieHellman.alicePrivate), pPlus2)).toHaveLength(32);
  });

  it('Ed25519, RFC 8032 §7.1', () => {
    for (const v of vectors.ed25519.cases) {
      const sk = fromHex(v.secretKey);
      const msg = fromHex(v.message);
      expect(toHex(suite.ed25519PublicKey(sk))).toBe(v.publicKey);
      expect(toHex(suite.ed25519Sign(sk, msg))).toBe(v.signature);
      expect(suite.ed25519Verify(fromHex(v.publicKey), msg, fromHex(v.signature))).toBe(true);
      const bad = fromHex(v.signature);
      bad[5]! ^= 1;
      expect(suite.ed25519Verify(fromHex(v.publicKey), msg, bad)).toBe(false);
      expect(suite.ed25519Verify(fromHex(v.publicKey), new Uint8Array([1, 2, 3]), fromHex(v.signature))).toBe(false);
      expect(suite.ed25519Verify(fromHex(v.publicKey), msg, new Uint8Array(10))).toBe(false);
    }
  });

  it('HKDF-SHA-256, RFC 5869 A.1–A.3', () => {
    for (const v of vectors.hkdfSha256.cases) {
      expect(toHex(suite.hkdfSha256(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), v.length))).toBe(v.okm);
    }
  });

  it('AES-256-GCM, GCM specification test cases 13–16', () => {
    for (const v of vectors.aes256Gcm.cases) {
      const sealed = suite.aes256GcmSeal(fromHex(v.key), fromHex(v.nonce), fromHex(v.plaintext), fromHex(v.aad));
      expect(toHex(sealed)).toBe(v.ciphertext + v.tag);
      const opened = suite.aes256GcmOpen(fromHex(v.key), fromHex(v.nonce), sealed, fromHex(v.aad));
      expect(opened && toHex(opened)).toBe(v.plaintext);
      // Any flipped bit — in ciphertext, tag or associated data — is refused.
      const tampered = sealed.slice();
      tampered[0]! ^= 0x80;
      expect(suite.aes256GcmOpen(fromHex(v.key), fromHex(v.nonce), tampered, fromHex(v.aad))).toBeUndefined();
      expect(suite.aes256GcmOpen(fromHex(v.key), fromHex(v.nonce), sealed, fromHex(v.aad + '00'))).toBeUndefined();
    }
  });

  it('AES-256-CTR, NIST SP 800-38A F.5.5 (counter carries across bytes)', () => {
    const v = vectors.aes256Ctr;
    expect(toHex(suite.aes256Ctr(fromHex(v.key), fromHex(v.counter), fromHex(v.plaintext)))).toBe(v.ciphertext);
  });

  it('SHA-256 of "abc" (FIPS 180-4 example)', () => {
    expect(toHex(suite.sha256(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('noble and Node suites agree bit for bit', () => {
  const [noble, node] = suites as [CryptoSuite, CryptoSuite];
  const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

  it('mask expansion (AES-256-CTR keystream as little-endian words) is identical', () => {
    fc.assert(
      fc.property(key32, fc.integer({ min: 1, max: 5000 }), (key, words) => {
        expect(toHex(new Uint8Array(expandMask(noble, key, words).buffer))).toBe(
          toHex(new Uint8Array(expandMask(node, key, words).buffer)),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('a 10^5-word mask is identical (the size the benchmark uses)', () => {
    const key = node.randomBytes(32);
    const a = expandMask(noble, key, 100_000);
    const b = expandMask(node, key, 100_000);
    expect(Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(0);
  });

  it('X25519, Ed25519, HKDF and GCM agree on random inputs', () => {
    fc.assert(
      fc.property(key32, key32, fc.uint8Array({ maxLength: 300 }), (a, b, msg) => {
        const pubB = noble.x25519PublicKey(b);
        expect(toHex(node.x25519PublicKey(b))).toBe(toHex(pubB));
        expect(toHex(node.x25519(a, pubB))).toBe(toHex(noble.x25519(a, pubB)));
        expect(toHex(node.ed25519Sign(a, msg))).toBe(toHex(noble.ed25519Sign(a, msg)));
        expect(node.ed25519Verify(noble.ed25519PublicKey(a), msg, noble.ed25519Sign(a, msg))).toBe(true);
        expect(toHex(node.hkdfSha256(a, b, msg, 32))).toBe(toHex(noble.hkdfSha256(a, b, msg, 32)));
        const nonce = b.subarray(0, 12);
        const sealed = node.aes256GcmSeal(a, nonce, msg, b);
        expect(toHex(noble.aes256GcmSeal(a, nonce, msg, b))).toBe(toHex(sealed));
        expect(toHex(noble.aes256GcmOpen(a, nonce, sealed, b)!)).toBe(toHex(msg));
      }),
      { numRuns: 25 },
    );
  });
});
