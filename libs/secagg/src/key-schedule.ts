/**
 * Every key, transcript and associated-data string the protocol derives, in one place, and the
 * mask PRG.
 *
 * Domain separation: every derivation starts with the label "cohort/secagg/v1" and a purpose,
 * then the round id and the parties, as length-prefixed fields (bytes.ts `encodeFields`), so a
 * key or signature made for one purpose, round or pair never validates for another.
 *
 * Mask PRG (Bonawitz et al., "Practical Secure Aggregation for Privacy-Preserving Machine
 * Learning", CCS 2017, §4: PRG(seed) expanded to the vector length): the 32-byte seed is turned into
 * an AES-256 key by HKDF-SHA-256 with the purpose, round and parties in `info`; the mask is the
 * AES-256-CTR keystream under the all-zero initial counter block, read as d little-endian u32 words.
 * A key is never reused across rounds or pairs, so a fixed counter block is safe (each key encrypts
 * one stream of at most 2^26 words, far below the 2^128-block counter space).
 */
import { bytesOf, encodeFields, wordsOf } from './bytes';
import type { CryptoSuite } from './crypto-suite';

export const PROTOCOL_LABEL = 'cohort/secagg/v1';
const ZERO_COUNTER = new Uint8Array(16);
const EMPTY = new Uint8Array(0);

let zeros = new Uint8Array(0);
function zeroBytes(length: number): Uint8Array {
  // CTR ciphers read but never write their input, so one shared zero buffer serves every call.
  if (zeros.length < length) zeros = new Uint8Array(Math.max(length, zeros.length * 2));
  return zeros.subarray(0, length);
}

/** d words of AES-256-CTR keystream under `key` (32 bytes), little-endian. */
export function expandMask(suite: CryptoSuite, key: Uint8Array, words: number): Uint32Array {
  return wordsOf(suite.aes256Ctr(key, ZERO_COUNTER, zeroBytes(words * 4)));
}

/** AES key of client `clientId`'s self mask, from its seed b_u. */
export function selfMaskKey(suite: CryptoSuite, seed: Uint8Array, roundId: string, clientId: string): Uint8Array {
  return suite.hkdfSha256(seed, EMPTY, encodeFields(PROTOCOL_LABEL, 'self-mask', roundId, clientId), 32);
}

/** AES key of the pairwise mask of {a, b}, from X25519(s_a^SK, s_b^PK); symmetric in a and b. */
export function pairwiseMaskKey(suite: CryptoSuite, sharedSecret: Uint8Array, roundId: string, a: string, b: string): Uint8Array {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return suite.hkdfSha256(sharedSecret, EMPTY, encodeFields(PROTOCOL_LABEL, 'pairwise-mask', roundId, lo, hi), 32);
}

/** +1 when `self` adds the pairwise mask of {self, other}, −1 when it subtracts it. */
export function pairwiseSign(self: string, other: string): 1 | -1 {
  return self < other ? 1 : -1;
}

/** AES-256-GCM key for the shares `sender` encrypts to `receiver`, from X25519(c_sender, c_receiver). */
export function shareEncryptionKey(suite: CryptoSuite, sharedSecret: Uint8Array, roundId: string, sender: string, receiver: string): Uint8Array {
  return suite.hkdfSha256(sharedSecret, EMPTY, encodeFields(PROTOCOL_LABEL, 'share-encryption', roundId, sender, receiver), 32);
}

/** Associated data of a share ciphertext: the round id, sender and receiver (the rule). */
export function shareAssociatedData(roundId: string, sender: string, receiver: string): Uint8Array {
  return encodeFields(PROTOCOL_LABEL, 'share-ciphertext', roundId, sender, receiver);
}

/** What a client signs with its identity key when it advertises its two round keys. */
export function advertisementTranscript(roundId: string, clientId: string, encryptionPublicKey: Uint8Array, maskPublicKey: Uint8Array): Uint8Array {
  return encodeFields(PROTOCOL_LABEL, 'advertise-keys', roundId, clientId, encryptionPublicKey, maskPublicKey);
}

/**
 * What a client signs with its identity key over its masked input: the round, the client and the
 * words as sent. The masked input is the one stage message with no other binding to its sender
 * (the others are signed, or open commitments the sender dealt), so an upload in another device's
 * name, or a device's upload of an earlier round, does not verify.
 */
export function maskedInputTranscript(roundId: string, clientId: string, maskedInput: Uint32Array): Uint8Array {
  return encodeFields(PROTOCOL_LABEL, 'masked-input', roundId, clientId, bytesOf(maskedInput));
}

/** What a client signs in the consistency check: the survivor set U3 (as a ring bitmap). */
export function consistencyTranscript(roundId: string, clientId: string, survivorBitmap: Uint8Array): Uint8Array {
  return encodeFields(PROTOCOL_LABEL, 'consistency-check', roundId, clientId, survivorBitmap);
}

export type SecretKind = 'seed' | 'maskKey';

/** Hiding, binding commitment to one share: SHA-256 over the share and a fresh 16-byte salt. */
export function shareCommitment(
  suite: CryptoSuite,
  roundId: string,
  dealer: string,
  holder: string,
  kind: SecretKind,
  salt: Uint8Array,
  share: Uint8Array,
): Uint8Array {
  return new ShareCommitter(suite, roundId).commit(dealer, holder, kind, salt, share);
}

/**
 * `shareCommitment` for many shares of one round: the same bytes, with the encoded round prefix
 * and client ids cached (the server checks one commitment per revealed share, n·k per round).
 */
export class ShareCommitter {
  private readonly prefix: Uint8Array;
  private readonly ids = new Map<string, Uint8Array>();

  constructor(
    private readonly suite: CryptoSuite,
    roundId: string,
  ) {
    this.prefix = encodeFields(PROTOCOL_LABEL, 'share-commitment', roundId);
  }

  commit(dealer: string, holder: string, kind: SecretKind, salt: Uint8Array, share: Uint8Array): Uint8Array {
    const d = this.field(dealer);
    const h = this.field(holder);
    const k = this.field(kind);
    const out = new Uint8Array(this.prefix.length + d.length + h.length + k.length + 8 + salt.length + share.length);
    const view = new DataView(out.buffer);
    out.set(this.prefix);
    let o = this.prefix.length;
    for (const part of [d, h, k]) {
      out.set(part, o);
      o += part.length;
    }
    for (const part of [salt, share]) {
      view.setUint32(o, part.length, false);
      out.set(part, o + 4);
      o += 4 + part.length;
    }
    return this.suite.sha256(out);
  }

  private field(text: string): Uint8Array {
    let bytes = this.ids.get(text);
    if (!bytes) this.ids.set(text, (bytes = encodeFields(text)));
    return bytes;
  }
}
