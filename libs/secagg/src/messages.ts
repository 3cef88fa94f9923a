/**
 * The messages of one SecAgg+ round, client → server (`*Message`) and server → client
 * (`*Request`). They are plain objects with Uint8Array / Uint32Array fields; `libs/contracts`
 * owns their wire schemas, and state-codec.ts gives a JSON form with base64 bytes.
 *
 * Invariant: every message names its stage and round, and every client message its sender, so
 * a replay into another stage or round is recognised before any state changes.
 */
import type { Stage } from './stages';

interface Envelope<S extends Stage> {
  readonly stage: S;
  readonly roundId: string;
}

interface ClientEnvelope<S extends Stage> extends Envelope<S> {
  readonly clientId: string;
}

/** Stage 1, client → server: two fresh X25519 keys, signed with the device identity key. */
export interface AdvertiseKeysMessage extends ClientEnvelope<'AdvertiseKeys'> {
  /** c_u^PK: agrees the keys that encrypt shares. */
  readonly encryptionPublicKey: Uint8Array;
  /** s_u^PK: agrees the pairwise mask seeds. */
  readonly maskPublicKey: Uint8Array;
  /** Ed25519 over advertisementTranscript(roundId, clientId, c^PK, s^PK). */
  readonly signature: Uint8Array;
}

export interface NeighbourAdvertisement {
  readonly clientId: string;
  /** Ring position in [0, ringSize). */
  readonly position: number;
  readonly identityPublicKey: Uint8Array;
  readonly encryptionPublicKey: Uint8Array;
  readonly maskPublicKey: Uint8Array;
  readonly signature: Uint8Array;
}

/** Stage 2, server → client: the advertisements of the client's neighbours that advertised. */
export interface ShareKeysRequest extends Envelope<'ShareKeys'> {
  readonly ringSize: number;
  readonly position: number;
  readonly neighbours: readonly NeighbourAdvertisement[];
}

export interface EncryptedShares {
  readonly to: string;
  /** 12-byte nonce ‖ AES-256-GCM(seed share ‖ salt ‖ mask-key share ‖ salt) ‖ 16-byte tag. */
  readonly ciphertext: Uint8Array;
  /** shareCommitment of the self-mask-seed share held by `to`. */
  readonly seedCommitment: Uint8Array;
  /** shareCommitment of the mask-key share held by `to`. */
  readonly maskKeyCommitment: Uint8Array;
}

/** Stage 2, client → server: Shamir shares of b_u and s_u^SK, one ciphertext per neighbour. */
export interface ShareKeysMessage extends ClientEnvelope<'ShareKeys'> {
  readonly shares: readonly EncryptedShares[];
}

/** Stage 3, server → client: the ciphertexts addressed to the client by its mask partners. */
export interface MaskedInputRequest extends Envelope<'MaskedInput'> {
  readonly ciphertexts: readonly { readonly from: string; readonly ciphertext: Uint8Array }[];
}

/** Stage 3, client → server: y_u = x_u + PRG(b_u) + Σ_v ±PRG(s_uv) mod 2^b. */
export interface MaskedInputMessage extends ClientEnvelope<'MaskedInput'> {
  readonly maskedInput: Uint32Array;
}

/** Stage 4, server → client: the survivors U3 as a bitmap over ring positions (bit p of byte p>>3). */
export interface ConsistencyCheckRequest extends Envelope<'ConsistencyCheck'> {
  readonly survivors: Uint8Array;
}

/** Stage 4, client → server: the client's signature over the survivor set. */
export interface ConsistencyCheckMessage extends ClientEnvelope<'ConsistencyCheck'> {
  readonly signature: Uint8Array;
}

/** Stage 5, server → client: the consistency signatures of the client's partners. */
export interface UnmaskRequest extends Envelope<'Unmask'> {
  readonly signatures: readonly { readonly clientId: string; readonly signature: Uint8Array }[];
}

export interface RevealedShare {
  /** The dealer whose secret this share belongs to. */
  readonly of: string;
  readonly share: Uint8Array;
  /** The salt that opens the dealer's commitment to this share. */
  readonly salt: Uint8Array;
}

/** Stage 5, client → server: seed shares of surviving partners, mask-key shares of dropped ones. */
export interface UnmaskMessage extends ClientEnvelope<'Unmask'> {
  readonly seedShares: readonly RevealedShare[];
  readonly maskKeyShares: readonly RevealedShare[];
}

export type ClientMessage =
  | AdvertiseKeysMessage
  | ShareKeysMessage
  | MaskedInputMessage
  | ConsistencyCheckMessage
  | UnmaskMessage;

export type ServerRequest = ShareKeysRequest | MaskedInputRequest | ConsistencyCheckRequest | UnmaskRequest;

/** The server's output: the sum mod 2^b of the masked inputs of `contributors` (the set U3). */
export interface AggregateResult {
  readonly roundId: string;
  readonly sum: Uint32Array;
  readonly contributors: readonly string[];
}
