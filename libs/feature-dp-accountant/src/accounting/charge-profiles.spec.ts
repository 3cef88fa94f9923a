import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlanId } from '@cohort/contracts';
import { RdpAccountant, gaussianEvent, poissonSampled } from '@cohort/dp';
import { ChargeProfileIndex, EMPTY_PROFILE, type GroupRecord, chargedSequences } from './charge-profiles';
import { PrivacyArithmetic } from './privacy-arithmetic';

const arithmetic = new PrivacyArithmetic(1e-6);
const planA = PlanId.parse('plan-a');
const round = { samplingRate: 0.1, noiseMultiplier: 1.2 };

/** Records rounds in an index and keeps what the store would keep (records, own lists). */
function simulate(rounds: ReadonlyArray<readonly string[]>) {
  const index = new ChargeProfileIndex();
  const records = new Map<string, GroupRecord>();
  const own = new Map<string, number[]>();
  const transitions = rounds.map((eligible, i) => {
    const t = index.plan(i + 1, [...new Set(eligible)].sort(), planA, round);
    for (const [groupId, record] of t.groups) records.set(groupId, record);
    for (const groupId of t.charged) own.set(groupId, [...(own.get(groupId) ?? []), i + 1]);
    index.apply(t);
    return t;
  });
  const history = (user: string) => {
    const group = index.groupOf(user);
    if (group === undefined) return Promise.resolve([]);
    return chargedSequences(group, index.profileOf(user).depth, {
      record: async (g) => records.get(g) ?? null,
      own: async (g, count) => (own.get(g) ?? []).slice(0, count),
    });
  };
  return { index, transitions, history };
}

describe('charge profiles', () => {
  it('charges every eligible user exactly once per round and no one else, and remembers which rounds (property)', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.subarray(users), { maxLength: 12 }), async (rounds) => {
        const { index, history } = simulate(rounds);
        for (const user of users) {
          const charged = rounds.flatMap((eligible, i) => (eligible.includes(user) ? [i + 1] : []));
          const profile = index.profileOf(user);
          expect(profile.depth).toBe(charged.length);
          expect(profile.lastSequence).toBe(charged.at(-1) ?? 0);
          expect(profile.mechanisms).toEqual(charged.length === 0 ? [] : [{ planId: 'plan-a', ...round, rounds: charged.length }]);
          expect(await history(user)).toEqual(charged);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps users charged for the same rounds together: a few writes per round, not one per user', async () => {
    const everyone = Array.from({ length: 1000 }, (_, i) => `u${String(i).padStart(4, '0')}`);
    // Rounds 1–3: the first 900; rounds 4–6: everyone; rounds 7–8: everyone but 10 who left.
    const rounds = [1, 2, 3].map(() => everyone.slice(0, 900)).concat([4, 5, 6].map(() => everyone), [7, 8].map(() => everyone.slice(10)));
    const { index, transitions, history } = simulate(rounds);
    expect(new Set(everyone.slice(10, 900).map((u) => index.groupOf(u))).size).toBe(1);
    expect(index.profileOf('u0500').depth).toBe(8);
    expect(index.profileOf('u0950').depth).toBe(5);
    expect(index.profileOf('u0005').depth).toBe(6);
    expect(await history('u0005')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await history('u0950')).toEqual([4, 5, 6, 7, 8]);
    // Whole groups advance with one write; a split moves its smaller side only (10 leavers, not 980).
    expect(transitions.map((t) => t.moves.length)).toEqual([900, 0, 0, 100, 0, 0, 10, 0]);
    expect(transitions.map((t) => t.charged.length)).toEqual([1, 1, 1, 2, 2, 2, 2, 2]);
    expect(index.groupCount).toBe(3);
  });

  it('composes the RDP of a profile as the RDP accountant composes its rounds', () => {
    const { index } = simulate([['a'], ['a', 'b'], ['a']]);
    const reference = new RdpAccountant().compose(poissonSampled(round.samplingRate, gaussianEvent(round.noiseMultiplier)), 3);
    expect(arithmetic.countsEpsilon(index.profileOf('a').mechanisms)).toBeCloseTo(reference.getEpsilon(1e-6), 12);
    expect(index.profileOf('never-charged')).toBe(EMPTY_PROFILE);
    expect(arithmetic.countsEpsilon(EMPTY_PROFILE.mechanisms)).toBe(0);
  });

  it('plans the same transition twice from the same state (a redelivered entry changes nothing new)', () => {
    const { index } = simulate([['a', 'b', 'c'], ['a', 'b']]);
    expect(index.plan(3, ['a', 'c', 'd'], planA, round)).toEqual(index.plan(3, ['a', 'c', 'd'], planA, round));
  });

  it('refuses stored state in which a user points at a missing group, and an incomplete history', async () => {
    expect(() => new ChargeProfileIndex().load({ u: 'g1.0' }, {})).toThrow(/does not exist/);
    const record: GroupRecord = { size: 1, profile: { depth: 2, lastSequence: 2, mechanisms: [] }, origin: null };
    await expect(chargedSequences('g1.0', 2, { record: async () => record, own: async () => [1] })).rejects.toThrow(/lists 1 of its 2 rounds/);
  });
});
