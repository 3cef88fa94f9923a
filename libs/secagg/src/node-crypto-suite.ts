/**
 * The fast `CryptoSuite` for Node: the same primitives on Node's OpenSSL binding. The caller
 * injects the `node:crypto` module (`createNodeCryptoSuite(await import('node:crypto'))`), so this
 * file has no runtime import of a Node built-in and the library's single entry stays loadable in
 * a browser bundle; only `import type` refers to Node here.
 *
 * OpenSSL takes keys as KeyObjects; raw 32-byte keys are imported as JWK OKP keys (RFC 8037),
 * which Node maps straight to EVP_PKEY_new_raw_*_key. (Importing the RFC 8410 DER envelopes goes
 * through OpenSSL 3's decoder framework and measured ~8x slower.) A secret key's JWK `x` is left
 * empty: Node derives the public half from `d`; the RFC vectors in the spec pin the results.
 *
 * Invariant: byte-for-byte the same outputs as the noble suite (see crypto-suite.spec.ts).
 */
import type * as NodeCrypto from 'node:crypto';
import type { CryptoSuite } from './crypto-suite';
import { refuseAllZero, refuseLowOrder } from './x25519-low-order';

type Curve = 'X25519' | 'Ed25519';
const PUBLIC_KEY_CACHE_SIZE = 1 << 16;

export type NodeCryptoModule = Pick<
  typeof NodeCrypto,
  | 'createPrivateKey'
  | 'createPublicKey'
  | 'diffieHellman'
  | 'sign'
  | 'verify'
  | 'hkdfSync'
  | 'createHash'
  | 'createCipheriv'
  | 'createDecipheriv'
  | 'randomFillSync'
> &
  Partial<Pick<typeof NodeCrypto, 'hash'>>;

export function createNodeCryptoSuite(crypto: NodeCryptoModule): CryptoSuite {
  const b64url = (key: Uint8Array, name: string): string => {
    if (key.length !== 32) throw new RangeError(`${name} must be 32 bytes, got ${key.length}`);
    return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64url');
  };
  const privateKey = (crv: Curve, key: Uint8Array) =>
    crypto.createPrivateKey({ key: { kty: 'OKP', crv, d: b64url(key, 'secret key'), x: '' }, format: 'jwk' });
  // Public keys recur (an identity key verifies two signatures per round, a mask key serves every
  // dropped neighbour), so their KeyObjects are cached; secret keys are never cached.
  const publicKeys = new Map<string, NodeCrypto.KeyObject>();
  const publicKey = (crv: Curve, key: Uint8Array) => {
    const x = b64url(key, 'public key');
    const id = crv + x;
    let object = publicKeys.get(id);
    if (!object) {
      if (publicKeys.size >= PUBLIC_KEY_CACHE_SIZE) publicKeys.clear();
      object = crypto.createPublicKey({ key: { kty: 'OKP', crv, x }, format: 'jwk' });
      publicKeys.set(id, object);
    }
    return object;
  };
  const rawPublic = (key: NodeCrypto.KeyObject): Uint8Array => {
    const jwk = key.export({ format: 'jwk' });
    return new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
  };
  const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

  return {
    name: 'node',
    randomBytes: (length) => crypto.randomFillSync(new Uint8Array(length)),
    // crypto.hash (Node ≥ 20.12) is the one-shot form: half the cost for short inputs.
    sha256: crypto.hash
      ? (data) => bytes(crypto.hash!('sha256', data, 'buffer'))
      : (data) => bytes(crypto.createHash('sha256').update(data).digest()),
    hkdfSha256: (ikm, salt, info, length) => new Uint8Array(crypto.hkdfSync('sha256', ikm, salt, info, length)),
    x25519PublicKey: (secretKey) => rawPublic(crypto.createPublicKey(privateKey('X25519', secretKey))),
    x25519: (secretKey, peer) => {
      // OpenSSL fails an all-zero derivation with a generic error: name the cause first.
      refuseLowOrder(peer);
      return refuseAllZero(bytes(crypto.diffieHellman({ privateKey: privateKey('X25519', secretKey), publicKey: publicKey('X25519', peer) })));
    },
    ed25519PublicKey: (secretKey) => rawPublic(crypto.createPublicKey(privateKey('Ed25519', secretKey))),
    ed25519Sign: (secretKey, message) => bytes(crypto.sign(null, message, privateKey('Ed25519', secretKey))),
    ed25519Verify: (pub, message, signature) => {
      try {
        if (pub.length !== 32 || signature.length !== 64) return false;
        return crypto.verify(null, message, publicKey('Ed25519', pub), signature);
      } catch {
        return false;
      }
    },
    aes256GcmSeal: (key, nonce, plaintext, associatedData) => {
      const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(associatedData);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      const tag = cipher.getAuthTag();
      const out = new Uint8Array(head.length + tail.length + tag.length);
      out.set(head);
      out.set(tail, head.length);
      out.set(tag, head.length + tail.length);
      return out;
    },
    aes256GcmOpen: (key, nonce, sealed, associatedData) => {
      if (sealed.length < 16) return undefined;
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce);
        decipher.setAAD(associatedData);
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        const head = decipher.update(sealed.subarray(0, sealed.length - 16));
        const tail = decipher.final();
        const out = new Uint8Array(head.length + tail.length);
        out.set(head);
        out.set(tail, head.length);
        return out;
      } catch {
        return undefined;
      }
    },
    aes256Ctr: (key, counter, data) => bytes(crypto.createCipheriv('aes-256-ctr', key, counter).update(data)),
  };
}
