/**
 * The service's path for masked inputs: each upload is validated with `checkMaskedInput` (no state
 * change), summed outside the server state into per-replica partial sums, and handed over with
 * `acceptMaskedInputs` when the stage closes. The released sum must equal the one-by-one path.
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecAggClient } from './client';
import type { MaskedInputMessage } from './messages';
import { addInto } from './modular';
import { createNodeCryptoSuite } from './node-crypto-suite';
import { createSecAggParams } from './params';
import { SecAggErrorCode } from './secagg-error';
import { SecAggServer } from './server';

const suite = createNodeCryptoSuite(nodeCrypto);
const params = createSecAggParams({ clients: 6, dimension: 16, modulusBits: 32, clipRange: 1, scale: 2 ** 20, degree: 4, threshold: 2 });

async function toMaskedInput(): Promise<{ server: SecAggServer; clients: SecAggClient[]; messages: MaskedInputMessage[]; inputs: Uint32Array[] }> {
  const ids = Array.from({ length: params.clients }, (_, i) => `c${i}`);
  const identity = ids.map(() => suite.randomBytes(32));
  const server = SecAggServer.create({ params, roundId: 'r', suite, cohort: ids.map((clientId, i) => ({ clientId, identityPublicKey: suite.ed25519PublicKey(identity[i]!) })) });
  const clients = ids.map((clientId, i) => SecAggClient.create({ params, roundId: 'r', clientId, identitySecretKey: identity[i]!, suite }));
  for (const c of clients) server.receive(c.advertiseKeys());
  const shareRequests = server.closeAdvertiseKeys();
  for (const c of clients) server.receive(await c.shareKeys(shareRequests.get(c.state.clientId)!));
  const maskRequests = server.closeShareKeys();
  const inputs = ids.map(() => Uint32Array.from({ length: params.dimension }, () => nodeCrypto.randomInt(0, 1000)));
  const messages = clients.map((c, i) => c.maskInput(maskRequests.get(c.state.clientId)!, inputs[i]!));
  return { server, clients, messages, inputs };
}

describe('streaming masked-input sums', () => {
  it('checkMaskedInput validates without changing the session', async () => {
    const { server, messages } = await toMaskedInput();
    const before = server.state.sum.slice();
    server.checkMaskedInput(messages[0]!);
    expect(server.state.sum).toEqual(before);
    expect(server.clientsThatCompleted('MaskedInput')).toEqual([]);
    const short = { ...messages[1]!, maskedInput: messages[1]!.maskedInput.subarray(1) };
    expect(() => server.checkMaskedInput(short)).toThrow(expect.objectContaining({ code: SecAggErrorCode.WrongVectorLength }));
    expect(() => server.checkMaskedInput({ ...messages[1]!, clientId: 'stranger' })).toThrow(expect.objectContaining({ code: SecAggErrorCode.UnknownClient }));
  });

  it('partial sums handed over at close release the same sum as one-by-one uploads', async () => {
    const { server, clients, messages, inputs } = await toMaskedInput();
    // Two "replicas" each sum what they received; client 5 drops after ShareKeys.
    const replicaA = new Uint32Array(params.dimension);
    const replicaB = new Uint32Array(params.dimension);
    messages.slice(0, 5).forEach((m, i) => {
      server.checkMaskedInput(m);
      addInto(i % 2 === 0 ? replicaA : replicaB, m.maskedInput);
    });
    server.acceptMaskedInputs(['c0', 'c2', 'c4'], replicaA);
    expect(() => server.acceptMaskedInputs(['c2'], new Uint32Array(params.dimension))).toThrow(expect.objectContaining({ code: SecAggErrorCode.Duplicate }));
    expect(() => server.acceptMaskedInputs(['c1', 'c1'], replicaB)).toThrow(expect.objectContaining({ code: SecAggErrorCode.Duplicate }));
    server.acceptMaskedInputs(['c1', 'c3'], replicaB);
    expect(server.clientsThatCompleted('MaskedInput').sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    const expected = new Uint32Array(params.dimension);
    for (const x of inputs.slice(0, 5)) addInto(expected, x);
    // Finish the round with the five survivors: the released sum is exactly theirs.
    const consistency = server.closeMaskedInput();
    for (const c of clients.slice(0, 5)) server.receive(c.signSurvivors(consistency.get(c.state.clientId)!));
    const unmask = server.closeConsistencyCheck();
    for (const c of clients.slice(0, 5)) server.receive(c.unmask(unmask.get(c.state.clientId)!));
    const result = await server.finish();
    expect(result.contributors.slice().sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(result.sum).toEqual(expected);
  });
});
