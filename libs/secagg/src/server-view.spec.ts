/**
 * What an honest-but-curious server learns. We record everything the server received in a round
 * with dropouts at three stages and play a known-key adversary that uses all of it — every
 * reconstructed self-mask seed and dropped client's mask key, every masked input — and check:
 *  - for every client the server holds shares of at most one of its two secrets;
 *  - no single client's input and no sum over a proper subset of the contributors can be
 *    unmasked from the view (exhaustively over all subsets);
 *  - positive control: handing the adversary one more secret (a survivor's mask key, which the
 *    server never receives) does unmask that client, so the check above can fail.
 */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesOf } from './bytes';
import type { ClientState } from './client';
import { neighbourPositions } from './harary-graph';
import { expandMask, pairwiseMaskKey, pairwiseSign, selfMaskKey } from './key-schedule';
import type { MaskedInputMessage, UnmaskMessage } from './messages';
import { addInto, subtractInto } from './modular';
import { createNodeCryptoSuite } from './node-crypto-suite';
import { createSecAggParams } from './params';
import { runRound } from './round-harness.testing';
import { combineShares } from './shamir';
import { Stage } from './stages';
import { decodeState } from './state-codec';

const suite = createNodeCryptoSuite(nodeCrypto);
const d = 64;
const params = createSecAggParams({ clients: 10, dimension: d, modulusBits: 32, clipRange: 1, scale: 2 ** 20, degree: 6, threshold: 3 });

describe("the server's view of a round with dropouts", async () => {
  const run = await runRound({
    params,
    serverSuite: suite,
    roundId: 'round-view',
    dropAt: new Map([
      [7, Stage.MaskedInput], // shared keys, sent no input: its mask key is reconstructed
      [8, Stage.Unmask], // sent its input, then vanished: its seed is reconstructed
      [9, Stage.ConsistencyCheck],
    ]),
  });
  const { server, serverView, clientIds, inputs } = run;
  const members = server.state.members;
  const idx = (id: string) => clientIds.indexOf(id);
  const positionOf = (id: string) => server.positionOf(id)!;
  const contributors = run.result!.contributors;
  const masked = new Map(
    serverView.filter((m): m is MaskedInputMessage => m.stage === Stage.MaskedInput).map((m) => [m.clientId, m.maskedInput]),
  );
  const unmasks = serverView.filter((m): m is UnmaskMessage => m.stage === Stage.Unmask);
  const seedShares = new Map<string, Uint8Array[]>();
  const keyShares = new Map<string, Uint8Array[]>();
  for (const u of unmasks) {
    for (const s of u.seedShares) seedShares.set(s.of, [...(seedShares.get(s.of) ?? []), s.share]);
    for (const s of u.maskKeyShares) keyShares.set(s.of, [...(keyShares.get(s.of) ?? []), s.share]);
  }
  const partnersOf = (id: string) =>
    neighbourPositions(positionOf(id), params.clients, params.degree)
      .map((q) => members[q]!)
      .filter((m) => m.level >= 2);

  it('the round released the exact sum of the 9 clients that sent inputs (9 dropped after its input)', () => {
    expect(contributors).toHaveLength(9);
    expect(Array.from(run.result!.sum)).toEqual(Array.from(run.expected!));
  });

  it('never holds shares of both secrets of any client, and only the secret the protocol allows', () => {
    for (const id of clientIds) {
      const both = seedShares.has(id) && keyShares.has(id);
      expect(both, id).toBe(false);
      if (keyShares.has(id)) expect(masked.has(id), `${id} sent an input, so its mask key must stay hidden`).toBe(false);
    }
    expect([...keyShares.keys()]).toEqual([clientIds[7]]);
    expect([...seedShares.keys()].sort()).toEqual([...contributors].sort());
  });

  it('a known-key adversary with the whole view cannot unmask any client or any proper subset of clients', async () => {
    // Everything the server could compute: all seeds of contributors, the mask key of client 7.
    const residual = new Map<string, Uint32Array>();
    const droppedKeys = new Map<string, Uint8Array>();
    for (const [id, shares] of keyShares) droppedKeys.set(id, await combineShares(shares.slice(0, params.threshold)));
    for (const id of contributors) {
      const r = masked.get(id)!.slice();
      const seed = await combineShares(seedShares.get(id)!.slice(0, params.threshold));
      subtractInto(r, expandMask(suite, selfMaskKey(suite, seed, 'round-view', id), d));
      for (const p of partnersOf(id)) {
        const key = droppedKeys.get(p.clientId);
        if (!key) continue;
        const m = expandMask(suite, pairwiseMaskKey(suite, suite.x25519(key, members[positionOf(id)]!.maskPublicKey!), 'round-view', id, p.clientId), d);
        if (pairwiseSign(id, p.clientId) > 0) subtractInto(r, m);
        else addInto(r, m);
      }
      residual.set(id, r);
    }
    // Exhaustively: only the full contributor set has Σ residual = Σ x.
    const ids = [...contributors];
    let unmaskable = 0;
    for (let subset = 1; subset < 1 << ids.length; subset++) {
      const r = new Uint32Array(d);
      const x = new Uint32Array(d);
      ids.forEach((id, i) => {
        if (subset & (1 << i)) {
          addInto(r, residual.get(id)!);
          addInto(x, inputs[idx(id)]!);
        }
      });
      const equalWords = r.reduce((n, w, j) => n + (w === x[j] ? 1 : 0), 0);
      if (equalWords === d) unmaskable++;
      else expect(equalWords, `subset ${subset.toString(2)}`).toBeLessThanOrEqual(1);
    }
    expect(unmaskable).toBe(1); // the whole set: that is the released sum, by design

    // Positive control: one more secret — client 0's mask key, never sent to the server — unmasks client 0.
    const victim = clientIds[0]!;
    const victimState = decodeState<ClientState>(run.clientStatesAfterAdvertise[0]!);
    const r = residual.get(victim)!.slice();
    for (const p of partnersOf(victim)) {
      if (droppedKeys.has(p.clientId)) continue;
      const m = expandMask(suite, pairwiseMaskKey(suite, suite.x25519(victimState.maskSecretKey!, p.maskPublicKey!), 'round-view', victim, p.clientId), d);
      if (pairwiseSign(victim, p.clientId) > 0) subtractInto(r, m);
      else addInto(r, m);
    }
    expect(Buffer.from(bytesOf(r)).equals(Buffer.from(bytesOf(inputs[0]!)))).toBe(true);
  });

  it('keeps no masked vector, share or unreleased sum in its state after finishing', () => {
    expect(server.state.sum.every((b) => b === 0)).toBe(true);
    for (const m of members) {
      expect(m.revealed).toBeUndefined();
      expect(m.outbox).toBeUndefined();
    }
  });
});
