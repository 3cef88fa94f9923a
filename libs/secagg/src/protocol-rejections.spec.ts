/**
 * Every rejected input — replayed, duplicated, out-of-order, wrong round, unknown sender, wrong
 * length, unsigned or wrongly signed, tampered ciphertext or share — throws a SecAggError with the
 * expected code, and the session is unharmed: the same round then completes with the exact sum.
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecAggClient } from './client';
import { advertisementTranscript } from './key-schedule';
import type { ClientMessage, MaskedInputMessage, ServerRequest, ShareKeysRequest, UnmaskMessage } from './messages';
import { createNodeCryptoSuite } from './node-crypto-suite';
import { createSecAggParams } from './params';
import { runRound, type HookContext } from './round-harness.testing';
import { SecAggServer } from './server';
import { SecAggErrorCode, type SecAggErrorCode as Code } from './secagg-error';
import { Stage, type ProtocolStage } from './stages';

const suite = createNodeCryptoSuite(nodeCrypto);
const params = createSecAggParams({ clients: 8, dimension: 16, modulusBits: 12, clipRange: 1, scale: 100, degree: 6, threshold: 3 });
const ROUND = 'round-1';

async function codeOf(action: () => unknown): Promise<Code | undefined> {
  try {
    await action();
  } catch (error) {
    return (error as { code?: Code }).code;
  }
  return undefined;
}

type ServerCase = {
  name: string;
  stage: ProtocolStage;
  client: number;
  code: Code;
  inject: (ctx: HookContext, honest: ClientMessage, view: ClientMessage[]) => unknown;
};

const flip = (bytes: Uint8Array, at = 0) => {
  const out = bytes.slice();
  out[at]! ^= 1;
  return out;
};

const serverCases: ServerCase[] = [
  { name: 'a message for another round', stage: Stage.AdvertiseKeys, client: 0, code: SecAggErrorCode.WrongRound, inject: (c, m) => c.server.receive({ ...m, roundId: 'round-0' }) },
  { name: 'a message from a client outside the cohort', stage: Stage.AdvertiseKeys, client: 0, code: SecAggErrorCode.UnknownClient, inject: (c, m) => c.server.receive({ ...m, clientId: 'stranger' }) },
  {
    name: 'an unsigned key advertisement',
    stage: Stage.AdvertiseKeys,
    client: 1,
    code: SecAggErrorCode.BadSignature,
    inject: (c, m) => c.server.receive({ ...(m as Extract<ClientMessage, { stage: 'AdvertiseKeys' }>), signature: new Uint8Array(0) }),
  },
  {
    name: 'a key advertisement signed with another key',
    stage: Stage.AdvertiseKeys,
    client: 1,
    code: SecAggErrorCode.BadSignature,
    inject: (c, m) => c.server.receive({ ...(m as Extract<ClientMessage, { stage: 'AdvertiseKeys' }>), signature: suite.ed25519Sign(suite.randomBytes(32), new Uint8Array(8)) }),
  },
  {
    name: 'an advertisement whose mask key was swapped after signing',
    stage: Stage.AdvertiseKeys,
    client: 2,
    code: SecAggErrorCode.BadSignature,
    inject: (c, m) => {
      const a = m as Extract<ClientMessage, { stage: 'AdvertiseKeys' }>;
      c.server.receive({ ...a, maskPublicKey: suite.x25519PublicKey(suite.randomBytes(32)) });
    },
  },
  { name: 'a replayed advertisement', stage: Stage.AdvertiseKeys, client: 1, code: SecAggErrorCode.Duplicate, inject: (c, _m, view) => c.server.receive(view[0]!) },
  {
    name: 'a masked input during AdvertiseKeys (out of order)',
    stage: Stage.AdvertiseKeys,
    client: 0,
    code: SecAggErrorCode.OutOfOrder,
    inject: (c) => c.server.receive({ stage: Stage.MaskedInput, roundId: ROUND, clientId: c.clientIds[0]!, maskedInput: new Uint32Array(16) }),
  },
  { name: 'an advertisement replayed in ShareKeys', stage: Stage.ShareKeys, client: 2, code: SecAggErrorCode.Duplicate, inject: (c, _m, view) => c.server.receive(view[0]!) },
  {
    name: 'share keys missing a neighbour',
    stage: Stage.ShareKeys,
    client: 0,
    code: SecAggErrorCode.MalformedMessage,
    inject: (c, m) => {
      const s = m as Extract<ClientMessage, { stage: 'ShareKeys' }>;
      c.server.receive({ ...s, shares: s.shares.slice(1) });
    },
  },
  {
    name: 'a masked input one word too long',
    stage: Stage.MaskedInput,
    client: 0,
    code: SecAggErrorCode.WrongVectorLength,
    inject: (c, m) => c.server.receive({ ...(m as MaskedInputMessage), maskedInput: new Uint32Array(17) }),
  },
  {
    name: 'a masked input with a word ≥ 2^b',
    stage: Stage.MaskedInput,
    client: 0,
    code: SecAggErrorCode.ValueOutOfRange,
    inject: (c, m) => {
      const y = (m as MaskedInputMessage).maskedInput.slice();
      y[3] = 1 << 12;
      c.server.receive({ ...(m as MaskedInputMessage), maskedInput: y });
    },
  },
  {
    name: 'a replayed masked input',
    stage: Stage.MaskedInput,
    client: 1,
    code: SecAggErrorCode.Duplicate,
    inject: (c, _m, view) => c.server.receive(view.find((v) => v.stage === Stage.MaskedInput)!),
  },
  {
    name: 'a late masked input after MaskedInput closed',
    stage: Stage.ConsistencyCheck,
    client: 0,
    code: SecAggErrorCode.OutOfOrder,
    inject: (c) => c.server.receive({ stage: Stage.MaskedInput, roundId: ROUND, clientId: c.clientIds[7]!, maskedInput: new Uint32Array(16) }),
  },
  {
    name: 'a consistency signature by another key',
    stage: Stage.ConsistencyCheck,
    client: 0,
    code: SecAggErrorCode.BadSignature,
    inject: (c, m) => c.server.receive({ ...(m as Extract<ClientMessage, { stage: 'ConsistencyCheck' }>), signature: suite.ed25519Sign(suite.randomBytes(32), new Uint8Array(1)) }),
  },
  {
    name: 'a consistency signature from a client that dropped before MaskedInput',
    stage: Stage.ConsistencyCheck,
    client: 0,
    code: SecAggErrorCode.NotEligible,
    inject: (c, m) => c.server.receive({ ...(m as Extract<ClientMessage, { stage: 'ConsistencyCheck' }>), clientId: c.clientIds[7]! }),
  },
  {
    name: 'a tampered revealed share',
    stage: Stage.Unmask,
    client: 0,
    code: SecAggErrorCode.ShareCommitmentMismatch,
    inject: (c, m) => {
      const u = m as UnmaskMessage;
      const [first, ...rest] = u.seedShares;
      c.server.receive({ ...u, seedShares: [{ ...first!, share: flip(first!.share, 5) }, ...rest] });
    },
  },
  {
    name: 'a revealed share whose x-coordinate was changed',
    stage: Stage.Unmask,
    client: 0,
    code: SecAggErrorCode.ShareCommitmentMismatch,
    inject: (c, m) => {
      const u = m as UnmaskMessage;
      const [first, ...rest] = u.seedShares;
      c.server.receive({ ...u, seedShares: [{ ...first!, share: flip(first!.share, 32) }, ...rest] });
    },
  },
  {
    name: 'a mask-key share offered for a partner that survived (the server never takes both secrets)',
    stage: Stage.Unmask,
    client: 0,
    code: SecAggErrorCode.MalformedMessage,
    inject: (c, m) => {
      const u = m as UnmaskMessage;
      const [first, ...rest] = u.seedShares;
      c.server.receive({ ...u, seedShares: rest, maskKeyShares: [...u.maskKeyShares, first!] });
    },
  },
  {
    name: 'a replayed consistency signature in Unmask',
    stage: Stage.Unmask,
    client: 1,
    code: SecAggErrorCode.Duplicate,
    inject: (c, _m, view) => c.server.receive(view.find((v) => v.stage === Stage.ConsistencyCheck)!),
  },
  { name: 'closing a past stage', stage: Stage.Unmask, client: 0, code: SecAggErrorCode.OutOfOrder, inject: (c) => c.server.closeMaskedInput() },
];

describe('the server rejects bad messages and the round still completes', () => {
  it.each(serverCases)('$name → $code', async (tc) => {
    const codes: (Code | undefined)[] = [];
    const view: ClientMessage[] = [];
    const run = await runRound({
      params,
      roundId: ROUND,
      serverSuite: suite,
      // Client 7 drops before its masked input, so there is a dropped client to unmask too.
      dropAt: new Map([[7, Stage.MaskedInput]]),
      beforeDeliver: async (ctx, message) => {
        if (message.stage === tc.stage && ctx.clientIndex === tc.client) codes.push(await codeOf(() => tc.inject(ctx, message, view)));
        view.push(message);
      },
    });
    expect(codes).toEqual([tc.code]);
    expect(run.error).toBeUndefined();
    expect(run.result!.contributors).toHaveLength(7);
    expect(Array.from(run.result!.sum)).toEqual(Array.from(run.expected!));
  });
});

type ClientCase = {
  name: string;
  stage: ProtocolStage;
  code: Code;
  inject: (client: SecAggClient, request: ServerRequest, sent: readonly { to: string; request: ServerRequest }[]) => unknown;
};

const clientCases: ClientCase[] = [
  {
    name: 'a neighbour advertisement whose key was swapped in transit',
    stage: Stage.ShareKeys,
    code: SecAggErrorCode.BadSignature,
    inject: (c, r) => {
      const req = r as ShareKeysRequest;
      const [first, ...rest] = req.neighbours;
      return c.shareKeys({ ...req, neighbours: [{ ...first!, encryptionPublicKey: suite.x25519PublicKey(suite.randomBytes(32)) }, ...rest] });
    },
  },
  { name: 'a request for another round', stage: Stage.ShareKeys, code: SecAggErrorCode.WrongRound, inject: (c, r) => c.shareKeys({ ...(r as ShareKeysRequest), roundId: 'round-0' }) },
  { name: 'a second advertisement request', stage: Stage.ShareKeys, code: SecAggErrorCode.Duplicate, inject: (c) => c.advertiseKeys() },
  {
    name: 'a tampered share ciphertext',
    stage: Stage.MaskedInput,
    code: SecAggErrorCode.DecryptionFailed,
    inject: (c, r) => {
      const req = r as Extract<ServerRequest, { stage: 'MaskedInput' }>;
      const [first, ...rest] = req.ciphertexts;
      return c.maskInput({ ...req, ciphertexts: [{ ...first!, ciphertext: flip(first!.ciphertext, 40) }, ...rest] }, new Uint32Array(16));
    },
  },
  {
    name: 'share ciphertexts relabelled with another sender (associated data binds the sender)',
    stage: Stage.MaskedInput,
    code: SecAggErrorCode.DecryptionFailed,
    inject: (c, r) => {
      const req = r as Extract<ServerRequest, { stage: 'MaskedInput' }>;
      const [a, b, ...rest] = req.ciphertexts;
      return c.maskInput({ ...req, ciphertexts: [{ from: a!.from, ciphertext: b!.ciphertext }, { from: b!.from, ciphertext: a!.ciphertext }, ...rest] }, new Uint32Array(16));
    },
  },
  {
    name: 'an input of the wrong length',
    stage: Stage.MaskedInput,
    code: SecAggErrorCode.WrongVectorLength,
    inject: (c, r) => c.maskInput(r as Extract<ServerRequest, { stage: 'MaskedInput' }>, new Uint32Array(15)),
  },
  {
    name: 'the ShareKeys request delivered again',
    stage: Stage.MaskedInput,
    code: SecAggErrorCode.Duplicate,
    inject: (c, _r, sent) => c.shareKeys(sent.find((s) => s.to === c.state.clientId && s.request.stage === Stage.ShareKeys)!.request as ShareKeysRequest),
  },
  {
    name: 'a consistency request before the masked input (out of order)',
    stage: Stage.MaskedInput,
    code: SecAggErrorCode.OutOfOrder,
    inject: (c) => c.signSurvivors({ stage: Stage.ConsistencyCheck, roundId: ROUND, survivors: new Uint8Array(1).fill(255) }),
  },
  {
    name: 'a forged partner consistency signature',
    stage: Stage.Unmask,
    code: SecAggErrorCode.BadSignature,
    inject: (c, r) => {
      const req = r as Extract<ServerRequest, { stage: 'Unmask' }>;
      const [first, ...rest] = req.signatures;
      return c.unmask({ ...req, signatures: [{ ...first!, signature: flip(first!.signature, 3) }, ...rest] });
    },
  },
  {
    name: 'fewer than t partner signatures',
    stage: Stage.Unmask,
    code: SecAggErrorCode.InsufficientSurvivors,
    inject: (c, r) => {
      const req = r as Extract<ServerRequest, { stage: 'Unmask' }>;
      return c.unmask({ ...req, signatures: req.signatures.slice(0, params.threshold - 1) });
    },
  },
];

describe('a client rejects bad requests and can still answer the right one', () => {
  it.each(clientCases)('$name → $code', async (tc) => {
    const codes: (Code | undefined)[] = [];
    const run = await runRound({
      params,
      roundId: ROUND,
      serverSuite: suite,
      dropAt: new Map([[7, Stage.MaskedInput]]),
      beforeHandle: async (ctx, request, client) => {
        if (request.stage !== tc.stage || ctx.clientIndex !== 0) return;
        const before = client.stage;
        codes.push(await codeOf(() => tc.inject(client, request, ctx.sent)));
        expect(client.stage).toBe(before);
      },
    });
    expect(codes).toEqual([tc.code]);
    expect(run.error).toBeUndefined();
    expect(Array.from(run.result!.sum)).toEqual(Array.from(run.expected!));
  });
});

describe('a neighbour that signs a low-order X25519 key', () => {
  it('is refused with MALFORMED_MESSAGE, and the client can still share with the honest request', async () => {
    const small = createSecAggParams({ clients: 5, dimension: 4, modulusBits: 16, clipRange: 1, scale: 10, degree: 4, threshold: 2 });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const identity = ids.map(() => suite.randomBytes(32));
    const clients = ids.map((clientId, i) => SecAggClient.create({ params: small, roundId: ROUND, clientId, identitySecretKey: identity[i]!, suite }));
    const adverts = clients.map((c) => c.advertiseKeys());
    const neighbours = [1, 2, 3, 4].map((i) => ({
      clientId: ids[i]!,
      position: i,
      identityPublicKey: suite.ed25519PublicKey(identity[i]!),
      encryptionPublicKey: adverts[i]!.encryptionPublicKey,
      maskPublicKey: adverts[i]!.maskPublicKey,
      signature: adverts[i]!.signature,
    }));
    const request: ShareKeysRequest = { stage: Stage.ShareKeys, roundId: ROUND, ringSize: 5, position: 0, neighbours };
    const lowOrder = new Uint8Array(32); // u = 0
    const evil = { ...neighbours[0]!, encryptionPublicKey: lowOrder };
    evil.signature = suite.ed25519Sign(identity[1]!, advertisementTranscript(ROUND, 'b', lowOrder, evil.maskPublicKey));
    expect(await codeOf(() => clients[0]!.shareKeys({ ...request, neighbours: [evil, ...neighbours.slice(1)] }))).toBe(SecAggErrorCode.MalformedMessage);
    expect(clients[0]!.stage).toBe(Stage.ShareKeys);
    const message = await clients[0]!.shareKeys(request);
    expect(message.shares).toHaveLength(4);
  });
});

describe('a client that advertises a signed low-order X25519 key', () => {
  const small = createSecAggParams({ clients: 5, dimension: 4, modulusBits: 16, clipRange: 1, scale: 10, degree: 4, threshold: 2 });
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const identity = ids.map(() => suite.randomBytes(32));
  const cohort = ids.map((clientId, i) => ({ clientId, identityPublicKey: suite.ed25519PublicKey(identity[i]!) }));
  const ORDER_8 = Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'));

  it.each([
    ['encryption key u = 0', 'encryptionPublicKey', new Uint8Array(32)],
    ['mask key of order 8', 'maskPublicKey', ORDER_8],
  ] as const)('is refused by the server at AdvertiseKeys (%s) with MALFORMED_MESSAGE, and can still advertise honestly', async (_name, field, lowOrder) => {
    const server = SecAggServer.create({ params: small, roundId: ROUND, suite, cohort });
    const client = SecAggClient.create({ params: small, roundId: ROUND, clientId: 'b', identitySecretKey: identity[1]!, suite });
    const honest = client.advertiseKeys();
    const evil = { ...honest, [field]: lowOrder };
    evil.signature = suite.ed25519Sign(identity[1]!, advertisementTranscript(ROUND, 'b', evil.encryptionPublicKey, evil.maskPublicKey));
    expect(await codeOf(() => server.receive(evil))).toBe(SecAggErrorCode.MalformedMessage);
    expect(() => server.receive(evil)).toThrow(/low-order/);
    server.receive(honest);
  });
});
