/** Sharding: balanced random groups, per-group SecAgg+ rounds, group sums added mod 2^b. */
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { modulusMask } from './params';
import { addGroupSums, planShards } from './sharding';
import { createNodeCryptoSuite } from './node-crypto-suite';
import { runRound } from './round-harness.testing';
import { Stage } from './stages';
import { addInto } from './modular';

const suite = createNodeCryptoSuite(nodeCrypto);

describe('sharded aggregation', () => {
  it('splits 23 clients into balanced groups of at most 8 that cover everyone once', () => {
    const ids = Array.from({ length: 23 }, (_, i) => i);
    const plan = planShards(ids, 8, { dimension: 4, modulusBits: 16, clipRange: 1, scale: 10, degree: 4, threshold: 2 }, suite);
    expect(plan.groups.map((g) => g.length)).toEqual([8, 8, 7]);
    expect(plan.params.map((p) => p.clients)).toEqual([8, 8, 7]);
    expect([...plan.groups.flat()].sort((a, b) => a - b)).toEqual(ids);
  });

  it('checks the wrap bound against the whole cohort, not one group', () => {
    // 3 groups of 40 at ±100 fit 2^14 each (4000 < 8192) but the total 12 000 does not.
    const ids = Array.from({ length: 120 }, (_, i) => i);
    expect(() => planShards(ids, 40, { dimension: 1, modulusBits: 14, clipRange: 1, scale: 100, degree: 4, threshold: 2 }, suite)).toThrow(
      /sharded total/,
    );
  });

  it('the sum of the group sums is the exact sum of every contributor', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => i);
    const plan = planShards(ids, 7, { dimension: 12, modulusBits: 20, clipRange: 1, scale: 100, degree: 4, threshold: 2 }, suite);
    const sums: Uint32Array[] = [];
    const expected = new Uint32Array(12);
    for (const [g, group] of plan.groups.entries()) {
      const run = await runRound({ params: plan.params[g]!, serverSuite: suite, roundId: `round-7/shard-${g}`, dropAt: new Map([[0, Stage.MaskedInput]]) });
      expect(run.error).toBeUndefined();
      expect(run.result!.contributors).toHaveLength(group.length - 1);
      sums.push(run.result!.sum);
      addInto(expected, run.expected!);
    }
    const total = addGroupSums(sums, 20);
    expect(Array.from(total)).toEqual(Array.from(expected.map((w) => w & modulusMask(20))));
  });
});
