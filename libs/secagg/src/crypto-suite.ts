/**
 * The port through which the protocol reaches every cryptographic primitive. We write protocol
 * glue, not primitives (DESIGN.md): each implementation only adapts a well-kept library.
 *
 *  - `createNobleCryptoSuite()` (noble-crypto-suite.ts): portable, pure JS, audited noble
 *    libraries; runs in browsers and Node. Used by the client SDK.
 *  - `createNodeCryptoSuite(nodeCrypto)` (node-crypto-suite.ts): the same operations on
 *    Node's OpenSSL (`node:crypto`), much faster (AES-256-CTR ≈ 0.5–1 GB/s); used by the server.
 *
 * Invariant: for the same inputs both suites return identical bytes (tested against RFC 7748,
 * RFC 8032, RFC 5869, NIST SP 800-38A/-38D vectors and against each other), so a mask that a
 * browser client expands with noble is the mask the server regenerates with OpenSSL.
 * Randomness also flows through the port, so tests can make it deterministic.
 */

export interface CryptoSuite {
  /** A name for logs and benchmarks. */
  readonly name: string;
  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  /** HKDF-SHA-256 (RFC 5869). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** X25519 public key of a 32-byte secret key (RFC 7748 §6.1). */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** X25519(secretKey, publicKey) (RFC 7748 §5); a low-order public key (all-zero result, §6.1) throws SecAggError MALFORMED_MESSAGE. */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** Ed25519 public key of a 32-byte seed (RFC 8032 §5.1.5). */
  ed25519PublicKey(secretKey: Uint8Array): Uint8Array;
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict RFC 8032 verification; false (never throws) for any malformed input. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** AES-256-GCM with a 12-byte nonce; returns ciphertext ‖ 16-byte tag. */
  aes256GcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array;
  /** Inverse of `aes256GcmSeal`; undefined when the tag does not verify. */
  aes256GcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, associatedData: Uint8Array): Uint8Array | undefined;
  /**
   * AES-256-CTR over `data` with a 16-byte initial counter block incremented as one 128-bit
   * big-endian integer (NIST SP 800-38A §6.5, as OpenSSL and noble do). `data` is not modified.
   */
  aes256Ctr(key: Uint8Array, counter: Uint8Array, data: Uint8Array): Uint8Array;
}
