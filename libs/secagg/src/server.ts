/**
 * The server half of SecAgg+ (Bonawitz et al. CCS 2017, Fig. 4, "Server" column, with the
 * Harary-graph neighbourhoods of Bell et al. CCS 2020, §4), as a state machine over a serializable
 * `ServerState` that the service may keep in Redis between stages.
 *
 * Each stage has `receive*` (one client message) and `close*` (the stage deadline: compute the
 * next stage's requests). `finish()` closes Unmask and releases the sum.
 *
 * Invariants:
 *  - a rejected message (wrong round, unknown client, duplicate, out of order, bad signature,
 *    wrong length, tampered share…) throws a `SecAggError` before any state changes: the session
 *    can still complete;
 *  - the running sum is one O(d) buffer; masked inputs are added as they arrive and never kept;
 *  - for every client the server asks for at most one of its two secrets: the self-mask seed b_u
 *    if u sent a masked input (u ∈ U3), the mask key s_u^SK if it shared keys but sent no input
 *    (u ∈ U2 \ U3); finish() asserts it (BOTH_SECRETS_REQUESTED);
 *  - fewer than t clients at any stage, or fewer than t shares for a needed secret, aborts the
 *    session: the sum is zeroed and nothing is returned;
 *  - every revealed share must open its dealer's commitment, and a reconstructed mask key must
 *    match its advertised public key, so a tampered share is refused, not silently used.
 */
import { constantTimeEqual, wordsOf } from './bytes';
import { KEY_LENGTH, SALT_LENGTH, SHARE_CIPHERTEXT_LENGTH } from './client';
import type { CryptoSuite } from './crypto-suite';
import { bitmapOf, neighbourPositions } from './harary-graph';
import {
  advertisementTranscript,
  consistencyTranscript,
  expandMask,
  maskedInputTranscript,
  pairwiseMaskKey,
  pairwiseSign,
  selfMaskKey,
  ShareCommitter,
  type SecretKind,
} from './key-schedule';
import type {
  AdvertiseKeysMessage,
  AggregateResult,
  ClientMessage,
  ConsistencyCheckMessage,
  ConsistencyCheckRequest,
  MaskedInputMessage,
  MaskedInputRequest,
  RevealedShare,
  ShareKeysMessage,
  ShareKeysRequest,
  UnmaskMessage,
  UnmaskRequest,
} from './messages';
import { addInto, allBelowModulus, reduceInto, subtractInto } from './modular';
import { modulusMask, type SecAggParams } from './params';
import { SecAggError, SecAggErrorCode } from './secagg-error';
import { shuffled } from './random';
import { SHARE_LENGTH, combineShares } from './shamir';
import { Stage, stageIndex, type Stage as StageName } from './stages';
import { isLowOrderX25519Key, lowOrderKeyError } from './x25519-low-order';

const COMMITMENT_LENGTH = 32;
const SIGNATURE_LENGTH = 64;

export interface CohortMember {
  readonly clientId: string;
  /** Ed25519 identity key registered at enrolment; verifies the member's signatures. */
  readonly identityPublicKey: Uint8Array;
}

export interface ServerMember {
  readonly clientId: string;
  readonly identityPublicKey: Uint8Array;
  /** The largest j with this member in U_j (1 advertised … 5 unmasked); 0 before AdvertiseKeys. */
  level: number;
  encryptionPublicKey?: Uint8Array;
  maskPublicKey?: Uint8Array;
  advertSignature?: Uint8Array;
  /** Share ciphertexts this member dealt, held only until ShareKeys closes. */
  outbox?: { to: string; ciphertext: Uint8Array }[];
  /** Commitments this member dealt, by holder id. */
  commitments?: Record<string, { seed: Uint8Array; maskKey: Uint8Array }>;
  consistencySignature?: Uint8Array;
  /** Which of this member's secrets the server asked for, and the shares revealed so far. */
  revealedKind?: SecretKind;
  revealed?: { holder: string; share: Uint8Array }[];
}

export interface ServerState {
  readonly version: 1;
  stage: StageName;
  readonly roundId: string;
  readonly params: SecAggParams;
  /** members[p] sits at ring position p. */
  readonly members: ServerMember[];
  /** Running sum mod 2^32 of the masked inputs, d little-endian words. */
  readonly sum: Uint8Array;
  /** U3 as a ring bitmap, fixed when MaskedInput closes. */
  survivors?: Uint8Array;
  abortReason?: string;
}

export interface CreateServerOptions {
  readonly params: SecAggParams;
  readonly roundId: string;
  readonly cohort: readonly CohortMember[];
  readonly suite: CryptoSuite;
}

export class SecAggServer {
  private readonly byId: Map<string, number>;
  private readonly committer: ShareCommitter;

  private constructor(
    private readonly s: ServerState,
    private readonly suite: CryptoSuite,
  ) {
    this.byId = new Map(s.members.map((m, p) => [m.clientId, p]));
    this.committer = new ShareCommitter(suite, s.roundId);
  }

  /** Opens a session: places the cohort on the ring in uniformly random order. */
  static create(options: CreateServerOptions): SecAggServer {
    const { params, roundId, cohort, suite } = options;
    if (typeof roundId !== 'string' || roundId.length === 0) throw invalid('roundId must be a non-empty string');
    if (cohort.length !== params.clients) throw invalid(`cohort has ${cohort.length} members, params.clients is ${params.clients}`);
    const seen = new Set<string>();
    for (const m of cohort) {
      if (typeof m.clientId !== 'string' || m.clientId.length === 0 || seen.has(m.clientId)) throw invalid(`cohort clientId ${JSON.stringify(m.clientId)} is empty or repeated`);
      if (!(m.identityPublicKey instanceof Uint8Array) || m.identityPublicKey.length !== KEY_LENGTH) {
        throw invalid(`cohort member ${m.clientId}: identityPublicKey must be ${KEY_LENGTH} bytes`);
      }
      seen.add(m.clientId);
    }
    const members: ServerMember[] = shuffled(cohort, suite).map((c) => ({
      clientId: c.clientId,
      identityPublicKey: c.identityPublicKey.slice(),
      level: 0,
    }));
    return new SecAggServer(
      { version: 1, stage: Stage.AdvertiseKeys, roundId, params, members, sum: new Uint8Array(params.dimension * 4) },
      suite,
    );
  }

  static restore(state: ServerState, suite: CryptoSuite): SecAggServer {
    if (state.version !== 1) throw new SecAggError(SecAggErrorCode.CorruptState, `unknown server state version ${String(state.version)}`);
    if (state.sum.length !== state.params.dimension * 4 || state.sum.byteOffset % 4 !== 0) {
      throw new SecAggError(SecAggErrorCode.CorruptState, 'the running sum does not match the dimension');
    }
    return new SecAggServer(state, suite);
  }

  /** The live state; serialize it with encodeState between stages. */
  get state(): Readonly<ServerState> {
    return this.s;
  }

  get stage(): StageName {
    return this.s.stage;
  }

  /** Ring position of a client (for tests and diagnostics). */
  positionOf(clientId: string): number | undefined {
    return this.byId.get(clientId);
  }

  /** Client ids in U_j for j = stageIndex(stage). */
  clientsThatCompleted(stage: StageName): string[] {
    const j = stageIndex(stage);
    return this.s.members.filter((m) => m.level >= j).map((m) => m.clientId);
  }

  /** Routes any client message to its stage handler (exhaustive over the message union). */
  receive(message: ClientMessage): void {
    switch (message.stage) {
      case Stage.AdvertiseKeys:
        return this.receiveAdvertiseKeys(message);
      case Stage.ShareKeys:
        return this.receiveShareKeys(message);
      case Stage.MaskedInput:
        return this.receiveMaskedInput(message);
      case Stage.ConsistencyCheck:
        return this.receiveConsistencyCheck(message);
      case Stage.Unmask:
        return this.receiveUnmask(message);
      default: {
        const never: never = message;
        throw malformed(`unknown stage ${JSON.stringify((never as { stage?: unknown }).stage)}`);
      }
    }
  }

  receiveAdvertiseKeys(message: AdvertiseKeysMessage): void {
    const m = this.admit(message, Stage.AdvertiseKeys);
    const { encryptionPublicKey: c, maskPublicKey: s, signature } = message;
    if (!isBytes(c, KEY_LENGTH) || !isBytes(s, KEY_LENGTH)) throw malformed(`advertised keys must be ${KEY_LENGTH} bytes`);
    if (!isBytes(signature, SIGNATURE_LENGTH) || !this.suite.ed25519Verify(m.identityPublicKey, advertisementTranscript(this.s.roundId, m.clientId, c, s), signature)) {
      throw new SecAggError(SecAggErrorCode.BadSignature, `the key advertisement of ${m.clientId} is unsigned or its signature does not verify`);
    }
    // Refused here, so that its neighbours never agree a known secret with it nor fail on it later.
    if (isLowOrderX25519Key(c)) throw lowOrderKeyError(`the encryption key ${m.clientId} advertised`);
    if (isLowOrderX25519Key(s)) throw lowOrderKeyError(`the mask key ${m.clientId} advertised`);
    m.encryptionPublicKey = c.slice();
    m.maskPublicKey = s.slice();
    m.advertSignature = signature.slice();
    m.level = 1;
  }

  /** AdvertiseKeys deadline: keep the clients with ≥ t advertised neighbours, send them their neighbours' keys. */
  closeAdvertiseKeys(): Map<string, ShareKeysRequest> {
    this.expectClose(Stage.AdvertiseKeys);
    this.pruneToThresholdCore(1);
    this.requireSurvivors(1);
    const { params, members, roundId } = this.s;
    const out = new Map<string, ShareKeysRequest>();
    members.forEach((m, p) => {
      if (m.level < 1) return;
      const neighbours = this.neighbours(p)
        .filter((q) => members[q]!.level >= 1)
        .map((q) => {
          const n = members[q]!;
          return {
            clientId: n.clientId,
            position: q,
            identityPublicKey: n.identityPublicKey,
            encryptionPublicKey: n.encryptionPublicKey!,
            maskPublicKey: n.maskPublicKey!,
            signature: n.advertSignature!,
          };
        });
      out.set(m.clientId, { stage: Stage.ShareKeys, roundId, ringSize: params.clients, position: p, neighbours });
    });
    this.s.stage = Stage.ShareKeys;
    return out;
  }

  receiveShareKeys(message: ShareKeysMessage): void {
    const m = this.admit(message, Stage.ShareKeys);
    const p = this.byId.get(m.clientId)!;
    const expected = new Set(this.neighbours(p).filter((q) => this.s.members[q]!.level >= 1).map((q) => this.s.members[q]!.clientId));
    if (!Array.isArray(message.shares) || message.shares.length !== expected.size) {
      throw malformed(`${m.clientId} must send exactly one share ciphertext to each of its ${expected.size} advertised neighbours`);
    }
    const seen = new Set<string>();
    for (const sh of message.shares) {
      if (!expected.has(sh.to) || seen.has(sh.to)) throw malformed(`${m.clientId} sent shares to ${sh.to}, which is not an advertised neighbour or is repeated`);
      if (!isBytes(sh.ciphertext, SHARE_CIPHERTEXT_LENGTH)) throw malformed(`share ciphertexts must be ${SHARE_CIPHERTEXT_LENGTH} bytes`);
      if (!isBytes(sh.seedCommitment, COMMITMENT_LENGTH) || !isBytes(sh.maskKeyCommitment, COMMITMENT_LENGTH)) {
        throw malformed(`share commitments must be ${COMMITMENT_LENGTH} bytes`);
      }
      seen.add(sh.to);
    }
    // The server keeps the message's byte arrays (messages are immutable once received).
    m.outbox = message.shares.map((sh) => ({ to: sh.to, ciphertext: sh.ciphertext }));
    m.commitments = {};
    for (const sh of message.shares) m.commitments[sh.to] = { seed: sh.seedCommitment, maskKey: sh.maskKeyCommitment };
    m.level = 2;
  }

  /** ShareKeys deadline: keep the clients with ≥ t share holders, deliver the ciphertexts. */
  closeShareKeys(): Map<string, MaskedInputRequest> {
    this.expectClose(Stage.ShareKeys);
    this.pruneToThresholdCore(2);
    this.requireSurvivors(2);
    const { members, roundId } = this.s;
    const out = new Map<string, MaskedInputRequest>();
    const outboxes = members.map((m) => new Map((m.outbox ?? []).map((e) => [e.to, e.ciphertext])));
    members.forEach((v, p) => {
      if (v.level < 2) return;
      const ciphertexts = this.partners(p).map((q) => ({ from: members[q]!.clientId, ciphertext: outboxes[q]!.get(v.clientId)! }));
      out.set(v.clientId, { stage: Stage.MaskedInput, roundId, ciphertexts });
    });
    for (const m of members) {
      delete m.outbox;
      if (m.level < 2) delete m.commitments;
      else if (m.commitments) {
        for (const holder of Object.keys(m.commitments)) if (members[this.byId.get(holder)!]!.level < 2) delete m.commitments[holder];
      }
    }
    this.s.stage = Stage.MaskedInput;
    return out;
  }

  /** Adds y_u into the running sum; the vector itself is not kept. */
  receiveMaskedInput(message: MaskedInputMessage): void {
    const m = this.checkMaskedInput(message);
    addInto(wordsOf(this.s.sum), message.maskedInput);
    m.level = 3;
  }

  /**
   * Everything `receiveMaskedInput` checks, changing nothing: a service that sums masked inputs
   * outside the state (streaming, one partial sum per replica) validates each upload with this
   * and hands the sums over with `acceptMaskedInputs` when the stage closes.
   */
  checkMaskedInput(message: MaskedInputMessage): ServerMember {
    const m = this.admit(message, Stage.MaskedInput);
    const { dimension, modulusBits } = this.s.params;
    const y = message.maskedInput;
    if (!(y instanceof Uint32Array) || y.length !== dimension) {
      throw new SecAggError(SecAggErrorCode.WrongVectorLength, `masked input of ${m.clientId} has ${y?.length} words, expected dimension ${dimension}`);
    }
    if (!allBelowModulus(y, modulusMask(modulusBits))) throw new SecAggError(SecAggErrorCode.ValueOutOfRange, `masked input words must be below 2^${modulusBits}`);
    return m;
  }

  /**
   * Refuses (BAD_SIGNATURE) a masked input its sender did not sign with its registered identity
   * key for this round (maskedInputTranscript). A service whose devices authenticate with a shared
   * key checks this with `checkMaskedInput`: otherwise any device could upload in another's name.
   */
  checkMaskedInputSignature(message: MaskedInputMessage, signature: unknown): void {
    const m = this.s.members[this.byId.get(message.clientId) ?? -1];
    if (m === undefined) throw new SecAggError(SecAggErrorCode.UnknownClient, `${String(message.clientId)} is not in this cohort`);
    const transcript = maskedInputTranscript(this.s.roundId, m.clientId, message.maskedInput);
    if (!isBytes(signature, SIGNATURE_LENGTH) || !this.suite.ed25519Verify(m.identityPublicKey, transcript, signature)) {
      throw new SecAggError(SecAggErrorCode.BadSignature, `the masked input of ${m.clientId} is unsigned or its signature does not verify`);
    }
  }

  /**
   * Records that `clientIds` sent their masked inputs and adds `sum` (Σ of exactly those inputs,
   * mod 2^32) to the running sum. All or nothing: an ineligible or repeated client throws first.
   */
  acceptMaskedInputs(clientIds: readonly string[], sum: Uint32Array): void {
    const { dimension } = this.s.params;
    if (!(sum instanceof Uint32Array) || sum.length !== dimension) {
      throw new SecAggError(SecAggErrorCode.WrongVectorLength, `a partial sum has ${sum?.length} words, expected dimension ${dimension}`);
    }
    const seen = new Set<string>();
    const admitted = clientIds.map((clientId) => {
      if (seen.has(clientId)) throw new SecAggError(SecAggErrorCode.Duplicate, `${clientId} appears twice among the masked inputs`);
      seen.add(clientId);
      return this.admit({ stage: Stage.MaskedInput, roundId: this.s.roundId, clientId }, Stage.MaskedInput);
    });
    addInto(wordsOf(this.s.sum), sum);
    for (const m of admitted) m.level = 3;
  }

  /** MaskedInput deadline: fix U3 and ask its members to sign it. */
  closeMaskedInput(): Map<string, ConsistencyCheckRequest> {
    this.expectClose(Stage.MaskedInput);
    this.requireSurvivors(3);
    this.requireHolders(3);
    const { members, roundId, params } = this.s;
    const survivors = bitmapOf(params.clients, (p) => members[p]!.level >= 3);
    this.s.survivors = survivors;
    const out = new Map<string, ConsistencyCheckRequest>();
    for (const m of members) if (m.level >= 3) out.set(m.clientId, { stage: Stage.ConsistencyCheck, roundId, survivors });
    this.s.stage = Stage.ConsistencyCheck;
    return out;
  }

  receiveConsistencyCheck(message: ConsistencyCheckMessage): void {
    const m = this.admit(message, Stage.ConsistencyCheck);
    const transcript = consistencyTranscript(this.s.roundId, m.clientId, this.s.survivors!);
    if (!isBytes(message.signature, SIGNATURE_LENGTH) || !this.suite.ed25519Verify(m.identityPublicKey, transcript, message.signature)) {
      throw new SecAggError(SecAggErrorCode.BadSignature, `the consistency signature of ${m.clientId} does not verify`);
    }
    m.consistencySignature = message.signature.slice();
    m.level = 4;
  }

  /** ConsistencyCheck deadline: send each signer its partners' signatures. */
  closeConsistencyCheck(): Map<string, UnmaskRequest> {
    this.expectClose(Stage.ConsistencyCheck);
    this.requireSurvivors(4);
    this.requireHolders(4);
    const { members, roundId } = this.s;
    const out = new Map<string, UnmaskRequest>();
    members.forEach((m, p) => {
      if (m.level < 4) return;
      const signatures = this.partners(p)
        .filter((q) => members[q]!.level >= 4)
        .map((q) => ({ clientId: members[q]!.clientId, signature: members[q]!.consistencySignature! }));
      out.set(m.clientId, { stage: Stage.Unmask, roundId, signatures });
    });
    this.s.stage = Stage.Unmask;
    return out;
  }

  /** Records revealed shares after checking each against its dealer's commitment. */
  receiveUnmask(message: UnmaskMessage): void {
    const m = this.admit(message, Stage.Unmask);
    const { members } = this.s;
    const p = this.byId.get(m.clientId)!;
    const partners = new Set(this.partners(p).map((q) => members[q]!.clientId));
    if (!Array.isArray(message.seedShares) || !Array.isArray(message.maskKeyShares)) throw malformed('seedShares and maskKeyShares must be arrays');
    if (message.seedShares.length + message.maskKeyShares.length !== partners.size) {
      throw malformed(`${m.clientId} must reveal exactly one share for each of its ${partners.size} partners`);
    }
    const accepted: { dealer: ServerMember; kind: SecretKind; share: Uint8Array }[] = [];
    const seen = new Set<string>();
    const check = (shares: readonly RevealedShare[], kind: SecretKind) => {
      for (const r of shares) {
        if (!partners.has(r.of) || seen.has(r.of)) throw malformed(`${m.clientId} revealed a share of ${r.of}, which is not its partner or is repeated`);
        seen.add(r.of);
        const dealer = members[this.byId.get(r.of)!]!;
        const wanted: SecretKind = dealer.level >= 3 ? 'seed' : 'maskKey';
        if (kind !== wanted) {
          throw malformed(`${m.clientId} revealed the ${kind} share of ${r.of}, but the server asks only for its ${wanted} share`);
        }
        if (!isBytes(r.share, SHARE_LENGTH) || !isBytes(r.salt, SALT_LENGTH)) throw malformed(`a revealed share must be ${SHARE_LENGTH} bytes with a ${SALT_LENGTH}-byte salt`);
        const commitment = dealer.commitments?.[m.clientId]?.[kind];
        const opened = this.committer.commit(r.of, m.clientId, kind, r.salt, r.share);
        if (!commitment || !constantTimeEqual(commitment, opened)) {
          throw new SecAggError(SecAggErrorCode.ShareCommitmentMismatch, `the ${kind} share of ${r.of} revealed by ${m.clientId} does not match ${r.of}'s commitment`);
        }
        accepted.push({ dealer, kind, share: r.share });
      }
    };
    check(message.seedShares, 'seed');
    check(message.maskKeyShares, 'maskKey');
    for (const { dealer, kind, share } of accepted) {
      if (dealer.revealedKind !== undefined && dealer.revealedKind !== kind) {
        this.abort(SecAggErrorCode.BothSecretsRequested, `both secrets of ${dealer.clientId} would be revealed`);
      }
      dealer.revealedKind = kind;
      (dealer.revealed ??= []).push({ holder: m.clientId, share });
    }
    m.level = 5;
  }

  /**
   * Unmask deadline: reconstruct b_u for every u ∈ U3 and s_v^SK for every v ∈ U2 \ U3, remove the
   * self masks and the dropped clients' pairwise masks, and release Σ_{u∈U3} x_u mod 2^b.
   */
  async finish(): Promise<AggregateResult> {
    this.expectClose(Stage.Unmask);
    this.requireSurvivors(5);
    const { members, params, roundId } = this.s;
    const { threshold, dimension } = params;
    const sum = wordsOf(this.s.sum);
    this.assertOneSecretPerClient();
    for (const v of members) {
      if (v.level >= 2 && (v.revealed?.length ?? 0) < threshold) {
        this.abort(SecAggErrorCode.InsufficientShares, `only ${v.revealed?.length ?? 0} shares of ${v.clientId}'s ${v.level >= 3 ? 'self-mask seed' : 'mask key'} arrived, need t = ${threshold}`);
      }
    }
    // Any failure past this point leaves a partly unmasked sum: abort (zeroes it) rather than keep it.
    try {
      for (let p = 0; p < members.length; p++) {
        const v = members[p]!;
        if (v.level < 2) continue;
        const secret = await combineShares(v.revealed!.slice(0, threshold).map((r) => r.share));
        if (v.level >= 3) {
          subtractInto(sum, expandMask(this.suite, selfMaskKey(this.suite, secret, roundId, v.clientId), dimension));
          continue;
        }
        if (!constantTimeEqual(this.suite.x25519PublicKey(secret), v.maskPublicKey!)) {
          this.abort(SecAggErrorCode.ReconstructionFailed, `the reconstructed mask key of ${v.clientId} does not match its advertisement`);
        }
        for (const q of this.partners(p)) {
          const u = members[q]!;
          if (u.level < 3) continue;
          const key = pairwiseMaskKey(this.suite, this.suite.x25519(secret, u.maskPublicKey!), roundId, u.clientId, v.clientId);
          const mask = expandMask(this.suite, key, dimension);
          // u added sign(u, v)·PRG(s_uv) to y_u; take it back out.
          if (pairwiseSign(u.clientId, v.clientId) > 0) subtractInto(sum, mask);
          else addInto(sum, mask);
        }
      }
    } catch (error) {
      if (error instanceof SecAggError && this.s.stage === Stage.Aborted) throw error;
      this.abort(SecAggErrorCode.ReconstructionFailed, `unmasking failed: ${(error as Error).message}`);
    }
    const released = sum.slice();
    reduceInto(released, modulusMask(params.modulusBits));
    const contributors = members.filter((m) => m.level >= 3).map((m) => m.clientId);
    this.wipe();
    this.s.stage = Stage.Finished;
    return { roundId, sum: released, contributors };
  }

  /** Ends the session (e.g. on a service-level deadline); nothing is released. */
  abort(code: SecAggErrorCode, reason: string): never {
    this.wipe();
    this.s.stage = Stage.Aborted;
    this.s.abortReason = `${code}: ${reason}`;
    throw new SecAggError(code, `${reason}; the session is aborted and releases nothing`);
  }

  private wipe(): void {
    wordsOf(this.s.sum).fill(0);
    for (const m of this.s.members) {
      delete m.revealed;
      delete m.outbox;
    }
  }

  private admit(message: { stage: StageName; roundId: string; clientId: string }, stage: StageName): ServerMember {
    if (this.s.stage === Stage.Aborted) throw new SecAggError(SecAggErrorCode.SessionAborted, `the session aborted (${this.s.abortReason ?? ''})`);
    if (this.s.stage === Stage.Finished) throw new SecAggError(SecAggErrorCode.SessionFinished, 'the session already released its sum');
    if (typeof message !== 'object' || message === null) throw malformed('a message must be an object');
    if (message.roundId !== this.s.roundId) throw new SecAggError(SecAggErrorCode.WrongRound, `message for round ${String(message.roundId)}, session is round ${this.s.roundId}`);
    const p = this.byId.get(message.clientId);
    if (p === undefined) throw new SecAggError(SecAggErrorCode.UnknownClient, `${String(message.clientId)} is not in this cohort`);
    if (message.stage !== stage) throw malformed(`a ${String(message.stage)} message was passed to the ${stage} handler`);
    const m = this.s.members[p]!;
    const j = stageIndex(stage);
    const current = stageIndex(this.s.stage);
    if (m.level >= j) throw new SecAggError(SecAggErrorCode.Duplicate, `${m.clientId} already sent its ${stage} message`);
    if (j < current) throw new SecAggError(SecAggErrorCode.OutOfOrder, `${stage} already closed; the session is at ${this.s.stage}`);
    if (j > current) throw new SecAggError(SecAggErrorCode.OutOfOrder, `${stage} message arrived while the session is at ${this.s.stage}`);
    if (m.level < j - 1) throw new SecAggError(SecAggErrorCode.NotEligible, `${m.clientId} did not complete the previous stage`);
    return m;
  }

  private expectClose(stage: StageName): void {
    if (this.s.stage === Stage.Aborted) throw new SecAggError(SecAggErrorCode.SessionAborted, `the session aborted (${this.s.abortReason ?? ''})`);
    if (this.s.stage === Stage.Finished) throw new SecAggError(SecAggErrorCode.SessionFinished, 'the session already released its sum');
    if (this.s.stage !== stage) throw new SecAggError(SecAggErrorCode.OutOfOrder, `cannot close ${stage}: the session is at ${this.s.stage}`);
  }

  private neighbours(p: number): number[] {
    return neighbourPositions(p, this.s.params.clients, this.s.params.degree);
  }

  /** N(p) ∩ U2: the clients p exchanged shares (and pairwise masks) with. */
  private partners(p: number): number[] {
    return this.neighbours(p).filter((q) => this.s.members[q]!.level >= 2);
  }

  /**
   * Drops from U_j every client with fewer than t neighbours in U_j, repeatedly (the t-core), so
   * every remaining client's secrets have at least t holders.
   */
  private pruneToThresholdCore(j: number): void {
    const { members, params } = this.s;
    const count = members.map((m, p) => (m.level >= j ? this.neighbours(p).filter((q) => members[q]!.level >= j).length : 0));
    const queue = members.flatMap((m, p) => (m.level >= j && count[p]! < params.threshold ? [p] : []));
    while (queue.length > 0) {
      const p = queue.pop()!;
      if (members[p]!.level < j) continue;
      members[p]!.level = j - 1;
      for (const q of this.neighbours(p)) {
        if (members[q]!.level >= j && --count[q]! < params.threshold) queue.push(q);
      }
    }
  }

  private requireSurvivors(j: number): void {
    const alive = this.s.members.reduce((n, m) => n + (m.level >= j ? 1 : 0), 0);
    if (alive < this.s.params.threshold) {
      this.abort(SecAggErrorCode.InsufficientSurvivors, `only ${alive} clients completed ${stageName(j)}, need t = ${this.s.params.threshold}`);
    }
  }

  /** Every secret the server will need (owners in U2) still has ≥ t holders in U_j. */
  private requireHolders(j: number): void {
    const { members, params } = this.s;
    members.forEach((v, p) => {
      if (v.level < 2) return;
      const holders = this.partners(p).filter((q) => members[q]!.level >= j).length;
      if (holders < params.threshold) {
        this.abort(SecAggErrorCode.InsufficientSurvivors, `only ${holders} holders of ${v.clientId}'s shares completed ${stageName(j)}, need t = ${params.threshold}`);
      }
    });
  }

  private assertOneSecretPerClient(): void {
    for (const m of this.s.members) {
      if (m.revealed === undefined) continue;
      const expected: SecretKind = m.level >= 3 ? 'seed' : 'maskKey';
      if (m.level < 2 || m.revealedKind !== expected) {
        this.abort(SecAggErrorCode.BothSecretsRequested, `the server holds ${m.revealedKind ?? 'no'} shares of ${m.clientId} but may only ask for its ${expected}`);
      }
    }
  }
}

function stageName(j: number): string {
  return [Stage.AdvertiseKeys, Stage.ShareKeys, Stage.MaskedInput, Stage.ConsistencyCheck, Stage.Unmask][j - 1]!;
}

function isBytes(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.length === length;
}

function invalid(message: string): SecAggError {
  return new SecAggError(SecAggErrorCode.InvalidParameter, message);
}

function malformed(message: string): SecAggError {
  return new SecAggError(SecAggErrorCode.MalformedMessage, message);
}
