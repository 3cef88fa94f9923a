/**
 * The portable `CryptoSuite`: every primitive from the audited noble libraries
 * (`@noble/curves` for X25519 and Ed25519, `@noble/hashes` for SHA-256 and HKDF,
 * `@noble/ciphers` for AES-GCM and AES-CTR). Pure JS, no Node built-ins: safe for the browser
 * build of the client SDK. Randomness comes from `crypto.getRandomValues` via noble.
 *
 * Invariant: byte-for-byte the same outputs as the Node suite (see crypto-suite.spec.ts).
 */
import { ctr, gcm } from '@noble/ciphers/aes.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import type { CryptoSuite } from './crypto-suite';
import { refuseAllZero, refuseLowOrder } from './x25519-low-order';

export function createNobleCryptoSuite(): CryptoSuite {
  return {
    name: 'noble',
    randomBytes: (length) => randomBytes(length),
    sha256: (data) => sha256(data),
    hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
    x25519PublicKey: (secretKey) => x25519.getPublicKey(secretKey),
    x25519: (secretKey, publicKey) => {
      // noble throws a generic error on an all-zero result: name the cause first.
      refuseLowOrder(publicKey);
      return refuseAllZero(x25519.getSharedSecret(secretKey, publicKey));
    },
    ed25519PublicKey: (secretKey) => ed25519.getPublicKey(secretKey),
    ed25519Sign: (secretKey, message) => ed25519.sign(message, secretKey),
    ed25519Verify: (publicKey, message, signature) => {
      try {
        // zip215: false selects strict RFC 8032 / FIPS 186-5 rules, as OpenSSL applies.
        return ed25519.verify(signature, message, publicKey, { zip215: false });
      } catch {
        return false;
      }
    },
    aes256GcmSeal: (key, nonce, plaintext, associatedData) => gcm(key, nonce, associatedData).encrypt(plaintext),
    aes256GcmOpen: (key, nonce, sealed, associatedData) => {
      try {
        return gcm(key, nonce, associatedData).decrypt(sealed);
      } catch {
        return undefined;
      }
    },
    aes256Ctr: (key, counter, data) => ctr(key, counter).encrypt(data),
  };
}
