/**
 * End-to-end properties of a SecAgg+ round: the released sum is exactly Σ x_u mod 2^b over the
 * clients that sent masked inputs, under dropouts at every stage, with state serialized between
 * stages, and with browser-style (noble) clients talking to a Node-suite server.
 */
import * as nodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNobleCryptoSuite } from './noble-crypto-suite';
import { createNodeCryptoSuite } from './node-crypto-suite';
import { createSecAggParams } from './params';
import { runRound } from './round-harness.testing';
import { SecAggErrorCode } from './secagg-error';
import { Stage, type ProtocolStage } from './stages';

const node = createNodeCryptoSuite(nodeCrypto);
const noble = createNobleCryptoSuite();
const STAGES: ProtocolStage[] = [Stage.AdvertiseKeys, Stage.ShareKeys, Stage.MaskedInput, Stage.ConsistencyCheck, Stage.Unmask];

/** Random (n, k, t, d, b) with a b large enough for n inputs of ±⌈c·s⌉ = ±3. */
const setting = fc
  .record({ n: fc.integer({ min: 3, max: 12 }), d: fc.integer({ min: 1, max: 40 }), b: fc.integer({ min: 6, max: 32 }) })
  .filter(({ n, b }) => n * 3 < 2 ** (b - 1))
  .chain(({ n, d, b }) => {
    const degrees = [n - 1, ...Array.from({ length: Math.max(0, Math.ceil((n - 2) / 2) - 1) }, (_, i) => 2 * (i + 1))].filter(
      (k) => k === n - 1 || (k % 2 === 0 && k < n - 1),
    );
    return fc.constantFrom(...degrees).chain((k) =>
      fc.integer({ min: 2, max: Math.max(2, k) }).map((t) => ({ n, d, b, k, t: Math.min(t, k) })),
    );
  })
  .filter(({ k, t }) => k >= 2 && t <= k);

function paramsOf(s: { n: number; d: number; b: number; k: number; t: number }) {
  return createSecAggParams({ clients: s.n, dimension: s.d, modulusBits: s.b, clipRange: 1, scale: 3, degree: s.k, threshold: s.t });
}

describe('a SecAgg+ round', () => {
  it('releases the exact sum with no dropouts (n = 10, complete graph)', async () => {
    const params = createSecAggParams({ clients: 10, dimension: 64, modulusBits: 32, clipRange: 1, scale: 2 ** 20, degree: 9, threshold: 5 });
    const run = await runRound({ params, serverSuite: node });
    expect(run.error).toBeUndefined();
    expect(run.result!.contributors).toHaveLength(10);
    expect(Array.from(run.result!.sum)).toEqual(Array.from(run.expected!));
  });

  it('browser clients (noble suite) and a Node-suite server agree on every mask', async () => {
    const params = createSecAggParams({ clients: 6, dimension: 300, modulusBits: 20, clipRange: 1, scale: 1000, degree: 4, threshold: 3 });
    const run = await runRound({ params, serverSuite: node, clientSuite: noble, dropAt: new Map([[2, Stage.MaskedInput]]) });
    expect(run.error).toBeUndefined();
    expect(run.result!.contributors).toHaveLength(5);
    expect(Array.from(run.result!.sum)).toEqual(Array.from(run.expected!));
  });

  it('property: with at most k − t dropouts spread over the stages, the round completes with the exact sum of the survivors', async () => {
    await fc.assert(
      fc.asyncProperty(
        setting.chain((s) =>
          fc
            .array(fc.tuple(fc.integer({ min: 0, max: s.n - 1 }), fc.constantFrom(...STAGES)), { maxLength: s.k - s.t })
            .map((drops) => ({ s, drops: new Map(drops) })),
        ),
        async ({ s, drops }) => {
          const run = await runRound({ params: paramsOf(s), serverSuite: node, dropAt: drops });
          expect(run.error).toBeUndefined();
          const expectedContributors = run.clientIds.filter((_, i) => {
            const at = drops.get(i);
            return at === undefined || at === Stage.ConsistencyCheck || at === Stage.Unmask;
          });
          expect([...run.result!.contributors].sort()).toEqual(expectedContributors);
          expect(Array.from(run.result!.sum)).toEqual(Array.from(run.expected!));
        },
      ),
      { numRuns: 50 },
    );
  }, 120_000);

  it('property: under any dropouts the round either releases the exact sum or aborts cleanly, releasing nothing', async () => {
    let finished = 0;
    let aborted = 0;
    await fc.assert(
      fc.asyncProperty(
        setting.chain((s) =>
          fc
            .array(fc.tuple(fc.integer({ min: 0, max: s.n - 1 }), fc.constantFrom(...STAGES)), { maxLength: s.n })
            .map((drops) => ({ s, drops: new Map(drops) })),
        ),
        async ({ s, drops }) => {
          const run = await runRound({ params: paramsOf(s), serverSuite: node, dropAt: drops });
          if (run.result) {
            finished++;
            expect(Array.from(run.result.sum)).toEqual(Array.from(run.expected!));
            return;
          }
          aborted++;
          expect([SecAggErrorCode.InsufficientSurvivors, SecAggErrorCode.InsufficientShares]).toContain(run.error!.code);
          expect(run.server.stage).toBe(Stage.Aborted);
          expect(run.server.state.sum.every((b) => b === 0)).toBe(true);
          expect(run.server.state.members.every((m) => m.revealed === undefined)).toBe(true);
          await expect(run.server.finish()).rejects.toMatchObject({ code: SecAggErrorCode.SessionAborted });
        },
      ),
      { numRuns: 80 },
    );
    // Both branches were exercised, so neither assertion block is vacuous.
    expect(finished).toBeGreaterThan(0);
    expect(aborted).toBeGreaterThan(0);
  }, 120_000);

  it('completes with every client and server state serialized to JSON between every step', async () => {
    const params = createSecAggParams({ clients: 8, dimension: 33, modulusBits: 16, clipRange: 1, scale: 100, degree: 4, threshold: 2 });
    const run = await runRound({
      params,
      serverSuite: node,
      serialize: true,
      dropAt: new Map<number, ProtocolStage>([
        [1, Stage.ShareKeys],
        [4, Stage.Unmask],
      ]),
    });
    expect(run.error).toBeUndefined();
    expect(run.result!.contributors).toHaveLength(7);
    expect(Array.from(run.result!.sum)).toEqual(Array.from(run.expected!));
  });

  it('aborts with INSUFFICIENT_SURVIVORS when fewer than t clients advertise, and then accepts nothing', async () => {
    const params = createSecAggParams({ clients: 6, dimension: 4, modulusBits: 16, clipRange: 1, scale: 10, degree: 4, threshold: 3 });
    const drops = new Map<number, ProtocolStage>([0, 1, 2, 3].map((i) => [i, Stage.AdvertiseKeys]));
    const run = await runRound({ params, serverSuite: node, dropAt: drops });
    expect(run.error?.code).toBe(SecAggErrorCode.InsufficientSurvivors);
    expect(() => run.server.closeShareKeys()).toThrow(expect.objectContaining({ code: SecAggErrorCode.SessionAborted }));
  });

  it('aborts when a dropped client leaves fewer than t holders of a secret the server needs', async () => {
    // Ring of 6, k = 2, t = 2: the two neighbours of client X are its only holders; both drop at Unmask.
    const params = createSecAggParams({ clients: 6, dimension: 4, modulusBits: 16, clipRange: 1, scale: 10, degree: 2, threshold: 2 });
    const run = await runRound({ params, serverSuite: node, dropAt: new Map([[0, Stage.Unmask]]) });
    // Client 0 holds shares of two neighbours; with it gone each has one holder left < t.
    expect(run.error?.code).toBe(SecAggErrorCode.InsufficientShares);
    expect(run.server.state.sum.every((b) => b === 0)).toBe(true);
  });
});
