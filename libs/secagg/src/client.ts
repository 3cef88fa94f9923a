/**
 * The client half of SecAgg+ (Bonawitz et al. CCS 2017, Fig. 4, "User" column; Bell et al.
 * CCS 2020, §4: shares and masks only with Harary-graph neighbours), as a state machine over a
 * serializable `ClientState`.
 *
 * Stages, each one method: advertiseKeys → shareKeys → maskInput → signSurvivors → unmask.
 * Invariants:
 *  - a request for another stage or round, or a repeated request, throws a `SecAggError`
 *    (OUT_OF_ORDER / DUPLICATE_MESSAGE / WRONG_ROUND) and leaves the state as it was, so the
 *    client can still answer the right request;
 *  - every method validates its whole input before it changes state;
 *  - the client reveals, for each partner, either the self-mask-seed share (partner survived) or
 *    the mask-key share (partner dropped), never both, and only after ≥ t partners signed the
 *    same survivor set (Bonawitz et al. round 3, consistency check);
 *  - its own round secrets are erased as soon as they are no longer needed: c^SK after ShareKeys,
 *    s^SK and b_u once the masked input is sent.
 * Pure: randomness comes from the injected CryptoSuite; no I/O.
 */
import { concatBytes } from './bytes';
import type { CryptoSuite } from './crypto-suite';
import { bitmapHas, bitmapIsCanonical } from './harary-graph';
import {
  advertisementTranscript,
  consistencyTranscript,
  expandMask,
  maskedInputTranscript,
  pairwiseMaskKey,
  pairwiseSign,
  selfMaskKey,
  shareAssociatedData,
  shareCommitment,
  shareEncryptionKey,
  type SecretKind,
} from './key-schedule';
import type {
  AdvertiseKeysMessage,
  ConsistencyCheckMessage,
  ConsistencyCheckRequest,
  EncryptedShares,
  MaskedInputMessage,
  MaskedInputRequest,
  RevealedShare,
  ShareKeysMessage,
  ShareKeysRequest,
  UnmaskMessage,
  UnmaskRequest,
} from './messages';
import { allBelowModulus, addInto, reduceInto, subtractInto } from './modular';
import { modulusMask, type SecAggParams } from './params';
import { SecAggError, SecAggErrorCode } from './secagg-error';
import { SHARE_LENGTH, splitSecret } from './shamir';
import { Stage, stageIndex, type Stage as StageName } from './stages';

export const KEY_LENGTH = 32;
export const SALT_LENGTH = 16;
export const NONCE_LENGTH = 12;
const PLAINTEXT_LENGTH = 2 * (SHARE_LENGTH + SALT_LENGTH);
export const SHARE_CIPHERTEXT_LENGTH = NONCE_LENGTH + PLAINTEXT_LENGTH + 16;

export interface ClientNeighbour {
  readonly clientId: string;
  readonly position: number;
  readonly identityPublicKey: Uint8Array;
  readonly maskPublicKey: Uint8Array;
  /** AES-256-GCM key for the shares this neighbour sends us (derived at ShareKeys, so c^SK can go). */
  readonly receiveKey: Uint8Array;
}

/** Shares of a partner's secrets that this client holds. */
export interface HeldShares {
  readonly from: string;
  readonly seedShare: Uint8Array;
  readonly seedSalt: Uint8Array;
  readonly maskKeyShare: Uint8Array;
  readonly maskKeySalt: Uint8Array;
}

export interface ClientState {
  readonly version: 1;
  /**
   * The stage whose request (or, for AdvertiseKeys, whose message) the client handles next.
   * Never `Aborted`: only the server aborts a session; the device learns it from the session view.
   */
  stage: StageName;
  readonly roundId: string;
  readonly clientId: string;
  readonly params: SecAggParams;
  readonly identitySecretKey: Uint8Array;
  /** c_u^SK: only until ShareKeys (both directions' share keys are derived then). */
  encryptionSecretKey?: Uint8Array;
  /** s_u^SK and b_u: only until the masked input is sent. */
  maskSecretKey?: Uint8Array;
  selfMaskSeed?: Uint8Array;
  ringSize?: number;
  position?: number;
  neighbours?: ClientNeighbour[];
  held?: HeldShares[];
  survivors?: Uint8Array;
  revealed?: { of: string; kind: SecretKind }[];
}

export interface CreateClientOptions {
  readonly params: SecAggParams;
  readonly roundId: string;
  readonly clientId: string;
  /** The device's Ed25519 identity key (32-byte seed) registered at enrolment. */
  readonly identitySecretKey: Uint8Array;
  readonly suite: CryptoSuite;
}

export class SecAggClient {
  private constructor(
    private readonly s: ClientState,
    private readonly suite: CryptoSuite,
  ) {}

  static create(options: CreateClientOptions): SecAggClient {
    const { params, roundId, clientId, identitySecretKey, suite } = options;
    if (!roundId) throw new SecAggError(SecAggErrorCode.InvalidParameter, 'roundId must be a non-empty string');
    if (!clientId) throw new SecAggError(SecAggErrorCode.InvalidParameter, 'clientId must be a non-empty string');
    if (identitySecretKey.length !== KEY_LENGTH) {
      throw new SecAggError(SecAggErrorCode.InvalidParameter, `identitySecretKey must be ${KEY_LENGTH} bytes, got ${identitySecretKey.length}`);
    }
    return new SecAggClient(
      { version: 1, stage: Stage.AdvertiseKeys, roundId, clientId, params, identitySecretKey: identitySecretKey.slice() },
      suite,
    );
  }

  /** Resumes from a state previously read from `state` (e.g. after decodeState). */
  static restore(state: ClientState, suite: CryptoSuite): SecAggClient {
    if (state.version !== 1) throw new SecAggError(SecAggErrorCode.CorruptState, `unknown client state version ${String(state.version)}`);
    return new SecAggClient(state, suite);
  }

  /** The live state; serialize it with encodeState between stages. */
  get state(): Readonly<ClientState> {
    return this.s;
  }

  get stage(): StageName {
    return this.s.stage;
  }

  /** Stage 1: fresh c and s key pairs, signed with the identity key. */
  advertiseKeys(): AdvertiseKeysMessage {
    this.expectStage(Stage.AdvertiseKeys, Stage.AdvertiseKeys, this.s.roundId);
    const encryptionSecretKey = this.suite.randomBytes(KEY_LENGTH);
    const maskSecretKey = this.suite.randomBytes(KEY_LENGTH);
    const encryptionPublicKey = this.suite.x25519PublicKey(encryptionSecretKey);
    const maskPublicKey = this.suite.x25519PublicKey(maskSecretKey);
    const signature = this.suite.ed25519Sign(
      this.s.identitySecretKey,
      advertisementTranscript(this.s.roundId, this.s.clientId, encryptionPublicKey, maskPublicKey),
    );
    this.s.encryptionSecretKey = encryptionSecretKey;
    this.s.maskSecretKey = maskSecretKey;
    this.s.stage = Stage.ShareKeys;
    return { stage: Stage.AdvertiseKeys, roundId: this.s.roundId, clientId: this.s.clientId, encryptionPublicKey, maskPublicKey, signature };
  }

  /** Stage 2: verify the neighbours' advertisements, Shamir-share b_u and s_u^SK to them. */
  async shareKeys(request: ShareKeysRequest): Promise<ShareKeysMessage> {
    this.expectStage(request.stage, Stage.ShareKeys, request.roundId);
    const { degree, threshold } = this.s.params;
    const { neighbours, ringSize, position } = request;
    if (!Number.isInteger(ringSize) || ringSize < 3 || !Number.isInteger(position) || position < 0 || position >= ringSize) {
      throw malformed(`ring position ${position} of ${ringSize} is invalid`);
    }
    if (!Array.isArray(neighbours) || neighbours.length < threshold || neighbours.length > degree) {
      throw new SecAggError(
        neighbours.length < threshold ? SecAggErrorCode.InsufficientSurvivors : SecAggErrorCode.MalformedMessage,
        `got ${neighbours.length} neighbours, need between t = ${threshold} and k = ${degree}`,
      );
    }
    const ids = new Set<string>();
    for (const n of neighbours) {
      if (n.clientId === this.s.clientId || ids.has(n.clientId)) throw malformed(`neighbour ${n.clientId} is repeated or is this client`);
      ids.add(n.clientId);
      for (const key of [n.identityPublicKey, n.encryptionPublicKey, n.maskPublicKey]) {
        if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) throw malformed(`neighbour ${n.clientId} has a key that is not ${KEY_LENGTH} bytes`);
      }
      const transcript = advertisementTranscript(this.s.roundId, n.clientId, n.encryptionPublicKey, n.maskPublicKey);
      if (!(n.signature instanceof Uint8Array) || !this.suite.ed25519Verify(n.identityPublicKey, transcript, n.signature)) {
        throw new SecAggError(SecAggErrorCode.BadSignature, `the key advertisement of neighbour ${n.clientId} does not verify`);
      }
    }
    const encryptionSecretKey = this.s.encryptionSecretKey!;
    const maskSecretKey = this.s.maskSecretKey!;
    const selfMaskSeed = this.suite.randomBytes(KEY_LENGTH);
    const seedShares = await splitSecret(selfMaskSeed, neighbours.length, threshold);
    const maskKeyShares = await splitSecret(maskSecretKey, neighbours.length, threshold);

    const receiveKeys: Uint8Array[] = [];
    const shares: EncryptedShares[] = neighbours.map((n, i) => {
      const seedSalt = this.suite.randomBytes(SALT_LENGTH);
      const maskKeySalt = this.suite.randomBytes(SALT_LENGTH);
      const plaintext = concatBytes(seedShares[i]!, seedSalt, maskKeyShares[i]!, maskKeySalt);
      // One agreement per neighbour serves both directions; each direction gets its own key.
      const shared = agree(this.suite, encryptionSecretKey, n.encryptionPublicKey, n.clientId);
      const key = shareEncryptionKey(this.suite, shared, this.s.roundId, this.s.clientId, n.clientId);
      receiveKeys.push(shareEncryptionKey(this.suite, shared, this.s.roundId, n.clientId, this.s.clientId));
      const nonce = this.suite.randomBytes(NONCE_LENGTH);
      const sealed = this.suite.aes256GcmSeal(key, nonce, plaintext, shareAssociatedData(this.s.roundId, this.s.clientId, n.clientId));
      return {
        to: n.clientId,
        ciphertext: concatBytes(nonce, sealed),
        seedCommitment: shareCommitment(this.suite, this.s.roundId, this.s.clientId, n.clientId, 'seed', seedSalt, seedShares[i]!),
        maskKeyCommitment: shareCommitment(this.suite, this.s.roundId, this.s.clientId, n.clientId, 'maskKey', maskKeySalt, maskKeyShares[i]!),
      };
    });
    this.s.selfMaskSeed = selfMaskSeed;
    this.s.ringSize = ringSize;
    this.s.position = position;
    this.s.neighbours = neighbours.map(({ clientId, position: p, identityPublicKey, maskPublicKey }, i) => ({
      clientId,
      position: p,
      identityPublicKey: identityPublicKey.slice(),
      maskPublicKey: maskPublicKey.slice(),
      receiveKey: receiveKeys[i]!,
    }));
    delete this.s.encryptionSecretKey;
    this.s.stage = Stage.MaskedInput;
    return { stage: Stage.ShareKeys, roundId: this.s.roundId, clientId: this.s.clientId, shares };
  }

  /**
   * Stage 3: decrypt the partners' shares and send y_u = x_u + PRG(b_u) + Σ_v ±PRG(s_uv) mod 2^b.
   * `quantizedInput` is x_u: d words below 2^b (see quantize()).
   */
  maskInput(request: MaskedInputRequest, quantizedInput: Uint32Array): MaskedInputMessage {
    this.expectStage(request.stage, Stage.MaskedInput, request.roundId);
    const { dimension, modulusBits, threshold } = this.s.params;
    const mask = modulusMask(modulusBits);
    if (!(quantizedInput instanceof Uint32Array) || quantizedInput.length !== dimension) {
      throw new SecAggError(SecAggErrorCode.WrongVectorLength, `input has ${quantizedInput.length} words, expected dimension ${dimension}`);
    }
    if (!allBelowModulus(quantizedInput, mask)) throw new SecAggError(SecAggErrorCode.ValueOutOfRange, `input words must be below 2^${modulusBits}`);
    const byId = new Map(this.s.neighbours!.map((n) => [n.clientId, n]));
    if (request.ciphertexts.length < threshold) {
      throw new SecAggError(SecAggErrorCode.InsufficientSurvivors, `only ${request.ciphertexts.length} partners shared keys, need t = ${threshold}`);
    }
    const held: HeldShares[] = [];
    const partners: ClientNeighbour[] = [];
    for (const { from, ciphertext } of request.ciphertexts) {
      const n = byId.get(from);
      if (!n || partners.includes(n)) throw malformed(`shares from ${from}, which is not a neighbour or is repeated`);
      if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== SHARE_CIPHERTEXT_LENGTH) {
        throw malformed(`the ciphertext from ${from} must be ${SHARE_CIPHERTEXT_LENGTH} bytes`);
      }
      const plaintext = this.suite.aes256GcmOpen(
        n.receiveKey,
        ciphertext.subarray(0, NONCE_LENGTH),
        ciphertext.subarray(NONCE_LENGTH),
        shareAssociatedData(this.s.roundId, from, this.s.clientId),
      );
      if (!plaintext || plaintext.length !== PLAINTEXT_LENGTH) {
        throw new SecAggError(SecAggErrorCode.DecryptionFailed, `the shares from ${from} do not decrypt (tampered, or not for this round and recipient)`);
      }
      let o = 0;
      const take = (len: number) => plaintext.slice(o, (o += len));
      held.push({ from, seedShare: take(SHARE_LENGTH), seedSalt: take(SALT_LENGTH), maskKeyShare: take(SHARE_LENGTH), maskKeySalt: take(SALT_LENGTH) });
      partners.push(n);
    }

    const y = quantizedInput.slice();
    addInto(y, expandMask(this.suite, selfMaskKey(this.suite, this.s.selfMaskSeed!, this.s.roundId, this.s.clientId), dimension));
    for (const n of partners) {
      const shared = agree(this.suite, this.s.maskSecretKey!, n.maskPublicKey, n.clientId);
      const m = expandMask(this.suite, pairwiseMaskKey(this.suite, shared, this.s.roundId, this.s.clientId, n.clientId), dimension);
      if (pairwiseSign(this.s.clientId, n.clientId) > 0) addInto(y, m);
      else subtractInto(y, m);
    }
    reduceInto(y, mask);

    this.s.held = held;
    // The client's own secrets are no longer needed: erase them (shares of them live with partners).
    delete this.s.maskSecretKey;
    delete this.s.selfMaskSeed;
    this.s.stage = Stage.ConsistencyCheck;
    return { stage: Stage.MaskedInput, roundId: this.s.roundId, clientId: this.s.clientId, maskedInput: y };
  }

  /**
   * The identity-key signature of a masked input this client made (maskedInputTranscript), which
   * the service requires with the upload: no one else can upload in this client's name.
   */
  signMaskedInput(message: MaskedInputMessage): Uint8Array {
    if (message.roundId !== this.s.roundId || message.clientId !== this.s.clientId) throw malformed('sign only this client\'s masked input of this round');
    return this.suite.ed25519Sign(this.s.identitySecretKey, maskedInputTranscript(this.s.roundId, this.s.clientId, message.maskedInput));
  }

  /** Stage 4: sign the survivor set U3 the server announces. */
  signSurvivors(request: ConsistencyCheckRequest): ConsistencyCheckMessage {
    this.expectStage(request.stage, Stage.ConsistencyCheck, request.roundId);
    const ringSize = this.s.ringSize!;
    if (!(request.survivors instanceof Uint8Array) || !bitmapIsCanonical(request.survivors, ringSize)) {
      throw malformed(`the survivor bitmap must be ${Math.ceil(ringSize / 8)} bytes with no bit beyond ${ringSize}`);
    }
    if (!bitmapHas(request.survivors, this.s.position!)) throw malformed('the survivor set omits this client, which sent its masked input');
    const signature = this.suite.ed25519Sign(this.s.identitySecretKey, consistencyTranscript(this.s.roundId, this.s.clientId, request.survivors));
    this.s.survivors = request.survivors.slice();
    this.s.stage = Stage.Unmask;
    return { stage: Stage.ConsistencyCheck, roundId: this.s.roundId, clientId: this.s.clientId, signature };
  }

  /**
   * Stage 5: check ≥ t partners signed the same survivor set, then reveal for each partner the
   * seed share (it survived) or the mask-key share (it dropped), never both.
   */
  unmask(request: UnmaskRequest): UnmaskMessage {
    this.expectStage(request.stage, Stage.Unmask, request.roundId);
    const { threshold } = this.s.params;
    const survivors = this.s.survivors!;
    const partners = new Map(this.s.held!.map((h) => [h.from, h]));
    const byId = new Map(this.s.neighbours!.map((n) => [n.clientId, n]));
    const signers = new Set<string>();
    for (const { clientId, signature } of request.signatures) {
      const n = byId.get(clientId);
      if (!n || !partners.has(clientId) || signers.has(clientId)) throw malformed(`a signature from ${clientId}, which is not a partner or is repeated`);
      if (!bitmapHas(survivors, n.position)) throw malformed(`a consistency signature from ${clientId}, which the survivor set lists as dropped`);
      const transcript = consistencyTranscript(this.s.roundId, clientId, survivors);
      if (!(signature instanceof Uint8Array) || !this.suite.ed25519Verify(n.identityPublicKey, transcript, signature)) {
        throw new SecAggError(SecAggErrorCode.BadSignature, `the consistency signature of ${clientId} does not verify: the server may be showing clients different survivor sets`);
      }
      signers.add(clientId);
    }
    if (signers.size < threshold) {
      throw new SecAggError(SecAggErrorCode.InsufficientSurvivors, `only ${signers.size} partners signed the survivor set, need t = ${threshold}`);
    }
    const seedShares: RevealedShare[] = [];
    const maskKeyShares: RevealedShare[] = [];
    const revealed: { of: string; kind: SecretKind }[] = [];
    for (const h of partners.values()) {
      const survived = bitmapHas(survivors, byId.get(h.from)!.position);
      if (survived) seedShares.push({ of: h.from, share: h.seedShare, salt: h.seedSalt });
      else maskKeyShares.push({ of: h.from, share: h.maskKeyShare, salt: h.maskKeySalt });
      revealed.push({ of: h.from, kind: survived ? 'seed' : 'maskKey' });
    }
    this.s.revealed = revealed;
    delete this.s.held;
    this.s.stage = Stage.Finished;
    return { stage: Stage.Unmask, roundId: this.s.roundId, clientId: this.s.clientId, seedShares, maskKeyShares };
  }

  private expectStage(requestStage: StageName, method: StageName, roundId: string): void {
    if (requestStage !== method) throw malformed(`a ${String(requestStage)} request was passed to the ${method} step`);
    if (roundId !== this.s.roundId) throw new SecAggError(SecAggErrorCode.WrongRound, `request for round ${roundId}, client is in round ${this.s.roundId}`);
    if (this.s.stage === method) return;
    if (this.s.stage === Stage.Finished || stageIndex(method) < stageIndex(this.s.stage)) {
      throw new SecAggError(SecAggErrorCode.Duplicate, `${method} was already handled; the client is at ${this.s.stage}`);
    }
    throw new SecAggError(SecAggErrorCode.OutOfOrder, `${method} arrived before ${this.s.stage}`);
  }
}

/** X25519 with a neighbour's key; a low-order key (all-zero result) is the neighbour's fault. */
function agree(suite: CryptoSuite, secretKey: Uint8Array, publicKey: Uint8Array, neighbour: string): Uint8Array {
  try {
    return suite.x25519(secretKey, publicKey);
  } catch {
    throw malformed(`neighbour ${neighbour} advertised an invalid (low-order) X25519 key`);
  }
}

function malformed(message: string): SecAggError {
  return new SecAggError(SecAggErrorCode.MalformedMessage, message);
}
