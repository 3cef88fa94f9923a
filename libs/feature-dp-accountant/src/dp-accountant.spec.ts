/**
 * dp-accountant as a whole, on the embedded bus: the ledger is appended once per round whatever is
 * redelivered or interrupted, a restart replays it, a lost store is rebuilt from it, and the
 * per-user caps filter users out for good. (The same on real Kafka and Redis, with SIGKILL:
 * apps/dp-accountant/src/privacy-ledger.e2e-spec.ts.)
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedBroker, EmbeddedEventBus } from '@cohort/bus';
import {
  LedgerEntryAppended, ModelPrivacyComputed, PlanBudgetExhausted, PlanId, RoundCommitted, TOPICS, UserBudgetExhausted, UserId,
  decodeEvent, type LedgerEntry, type PayloadOf,
} from '@cohort/contracts';
import { RdpAccountant, gaussianEvent, poissonSampled } from '@cohort/dp';
import { MemoryKeyValueStore } from '@cohort/state';
import { PrivacyBudgetService } from './budget/privacy-budget.service';
import { sealEntry } from './ledger/ledger-chain';
import { ProjectionRepository } from './ledger/projection.repository';
import { PrivacyQueryService } from './privacy/privacy-query.service';
import { type RunningAccountant, SharedStore, committedRound, startAccountant, until, users } from './testing/accountant.harness';

const planA = PlanId.parse('plan-a');

describe('dp-accountant ledger', () => {
  let broker: EmbeddedBroker;
  let store: SharedStore;
  let blobs: MemoryBlobStore;
  let producer: EmbeddedEventBus;
  let running: RunningAccountant[];

  beforeEach(async () => {
    broker = new EmbeddedBroker();
    store = new SharedStore(new MemoryKeyValueStore());
    blobs = new MemoryBlobStore();
    producer = new EmbeddedEventBus({ broker, producer: 'round-scheduler' });
    await producer.start();
    running = [];
  });

  afterEach(async () => {
    for (const accountant of running) await accountant.close();
    await producer.close();
  });

  const start = async (options: Parameters<typeof startAccountant>[0]['options'] = {}, on = store) => {
    const accountant = await startAccountant({ broker, store: on, blobs, options });
    running.push(accountant);
    return accountant;
  };
  const stop = async (accountant: RunningAccountant) => {
    running = running.filter((a) => a !== accountant);
    await accountant.close();
  };
  const commit = (round: PayloadOf<typeof RoundCommitted>, eventId?: string) => producer.publish(RoundCommitted, round, eventId === undefined ? {} : { eventId });
  const ledgerRecords = () => broker.read(TOPICS.privacyLedger.name).map((r) => decodeEvent(LedgerEntryAppended, r.value));
  const recorded = (accountant: RunningAccountant, count: number) =>
    until(async () => (await accountant.get(ProjectionRepository).entryCount()) >= count, `${count} ledger entries`);
  const user = (accountant: RunningAccountant, id: string) => accountant.get(PrivacyQueryService).user(UserId.parse(id));

  it('appends one entry per round, charges each eligible user once, and ignores a redelivered round', async () => {
    const accountant = await start();
    const r1 = committedRound('plan-a', ['u-c', 'u-a', 'u-b', 'u-a']);
    const r2 = committedRound('plan-a', ['u-a', 'u-b']);
    await commit(r1);
    await commit(r1); // the scheduler re-published it after a crash (a new eventId: the bus cannot skip it)
    await commit(r2);
    await recorded(accountant, 2);
    await new Promise((r) => setTimeout(r, 100));

    const queries = accountant.get(PrivacyQueryService);
    const { entries } = await queries.ledger({ offset: 0, limit: 10 });
    expect(entries.map((e) => [e.sequence, e.roundId])).toEqual([[1, r1.roundId], [2, r2.roundId]]);
    expect(entries[0]!.eligibleUsers).toEqual({ count: 3, userIds: ['u-a', 'u-b', 'u-c'] });
    expect(ledgerRecords()).toHaveLength(2);
    // ε of two rounds at q = 0.3, z = 1, δ = 1e-6, as the RDP accountant composes them
    const twoRounds = new RdpAccountant().compose(poissonSampled(0.3, gaussianEvent(1)), 2).getEpsilon(1e-6);
    expect(await user(accountant, 'u-a')).toMatchObject({ roundsCharged: 2, accountant: 'rdp', delta: 1e-6, lastSequence: 2 });
    expect((await user(accountant, 'u-a')).epsilon).toBeCloseTo(twoRounds, 12);
    expect(await user(accountant, 'u-c')).toMatchObject({ roundsCharged: 1, lastSequence: 1 });
    expect(await user(accountant, 'u-nobody')).toMatchObject({ roundsCharged: 0, epsilon: 0, remainingEpsilon: 10, mechanisms: [] });
    expect(await queries.verify()).toMatchObject({ valid: true, entriesChecked: 2, headSequence: 2 });
  });

  it('gives every model version its guarantee, and publishes it for serving', async () => {
    const accountant = await start();
    const round = committedRound('plan-a', users('u', 5));
    await commit(round);
    await recorded(accountant, 1);
    await until(() => broker.read(TOPICS.modelPrivacyComputed.name).length === 1, 'the model guarantee');
    const [published] = broker.read(TOPICS.modelPrivacyComputed.name).map((r) => decodeEvent(ModelPrivacyComputed, r.value).payload);
    const model = await accountant.get(PrivacyQueryService).model(round.modelVersion);
    expect(published).toEqual(model);
    expect(model).toMatchObject({ modelVersion: round.modelVersion, planId: 'plan-a', roundId: round.roundId, sequence: 1, rounds: 1, delta: 1e-6 });
    // The smaller of two valid bounds is reported, and named.
    expect(model.epsilon).toBe(Math.min(model.epsilonRdp!, model.epsilonPld!));
    expect(model.accountant).toBe(model.epsilonPld! < model.epsilonRdp! ? 'pld' : 'rdp');
    const plan = await accountant.get(PrivacyQueryService).plan(planA);
    expect(plan).toMatchObject({ roundsCommitted: 1, epsilon: model.epsilon, latestModelVersion: round.modelVersion, lastRoundId: round.roundId });
  });

  it('after a crash between publishing an entry and projecting it, the restart charges the round once', async () => {
    const first = await start();
    await commit(committedRound('plan-a', ['u-a', 'u-b']));
    await recorded(first, 1);
    await stop(first);
    // What the dead process left: its proposal for r2 stored and on the ledger topic, r2 uncommitted.
    const head = await store.inner.get('ledger:head').then((raw) => JSON.parse(raw!) as { sequence: number; entryHash: string });
    const r2 = committedRound('plan-a', ['u-a']);
    const proposal = { eventId: randomUUID(), entry: sealEntry({
      sequence: head.sequence + 1, roundId: r2.roundId, planId: r2.planId, roundNumber: r2.roundNumber, modelVersion: r2.modelVersion,
      roundCommittedEventId: randomUUID(), mechanism: r2.mechanism, cohortSize: r2.cohortSize,
      eligibleUsers: { count: 1, userIds: r2.eligibleUserIds }, recordedAt: new Date().toISOString(), previousHash: head.entryHash,
    }) };
    await store.set('ledger:outbox', JSON.stringify(proposal));
    await producer.publish(LedgerEntryAppended, proposal.entry, { eventId: proposal.eventId });
    await commit(r2);

    const second = await start();
    await recorded(second, 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(ledgerRecords().map((r) => r.payload.sequence)).toEqual([1, 2]);
    expect(await user(second, 'u-a')).toMatchObject({ roundsCharged: 2 });
    expect(await second.get(PrivacyQueryService).verify()).toMatchObject({ valid: true, headSequence: 2 });
  });

  it('after a crash between storing a proposal and publishing it, the restart sends that very record', async () => {
    const first = await start();
    await commit(committedRound('plan-a', ['u-a']));
    await recorded(first, 1);
    // The process dies while the next round is being appended: its proposal stored, not published.
    const r2 = committedRound('plan-a', ['u-a', 'u-b']);
    const head = first.get(ProjectionRepository);
    const { sequence, entryHash } = await head.head();
    await stop(first);
    const proposal = { eventId: randomUUID(), entry: sealEntry({
      sequence: sequence + 1, roundId: r2.roundId, planId: r2.planId, roundNumber: r2.roundNumber, modelVersion: r2.modelVersion,
      roundCommittedEventId: randomUUID(), mechanism: r2.mechanism, cohortSize: r2.cohortSize,
      eligibleUsers: { count: 2, userIds: r2.eligibleUserIds }, recordedAt: new Date().toISOString(), previousHash: entryHash,
    }) };
    await store.set('ledger:outbox', JSON.stringify(proposal));
    await commit(r2);

    const second = await start();
    await recorded(second, 2);
    const records = ledgerRecords();
    expect(records).toHaveLength(2);
    expect(records[1]!.eventId).toBe(proposal.eventId);
    expect(records[1]!.payload).toEqual(proposal.entry);
  });

  it('counts an identical copy of an entry once and lets a stale proposal change nothing', async () => {
    const accountant = await start();
    await commit(committedRound('plan-a', ['u-a']));
    await commit(committedRound('plan-a', ['u-a']));
    await recorded(accountant, 2);
    const [one, two] = ledgerRecords();
    await producer.publish(LedgerEntryAppended, two!.payload, { eventId: randomUUID() }); // a copy
    const stale = sealEntry({ ...one!.payload, roundId: two!.payload.roundId, recordedAt: new Date(0).toISOString() }); // sequence 1 is taken
    await producer.publish(LedgerEntryAppended, stale);
    await commit(committedRound('plan-a', ['u-a']));
    await recorded(accountant, 3);
    expect(await user(accountant, 'u-a')).toMatchObject({ roundsCharged: 3 });
    expect(await accountant.get(PrivacyQueryService).verify()).toMatchObject({ valid: true, headSequence: 3 });
    expect(await accountant.bus.isHealthy()).toBe(true);
  });

  it('stops the ledger on a record no writer produces, rather than skip or guess', async () => {
    const accountant = await start();
    await commit(committedRound('plan-a', ['u-a']));
    await recorded(accountant, 1);
    const [one] = ledgerRecords();
    const forged = sealEntry({ ...one!.payload, sequence: 2, roundId: one!.payload.roundId }); // links to genesis, not to entry 1
    await producer.publish(LedgerEntryAppended, forged);
    await until(async () => !(await accountant.bus.isHealthy()), 'the ledger consumer to stop', 15_000);
    expect(await accountant.get(ProjectionRepository).entryCount()).toBe(1);
    await expect(accountant.get(PrivacyBudgetService).eligibleUsers(planA, [UserId.parse('u-a')], committedRound('plan-a', []).mechanism)).rejects.toMatchObject({ code: 'accountant-not-ready' });
  });

  it('sends garbage on the ledger topic to its .dlq and goes on', async () => {
    const accountant = await start();
    await producer.publishRaw(TOPICS.privacyLedger.name, 'plan-a', 'this is not json');
    await producer.publishRaw(TOPICS.privacyLedger.name, 'plan-a', JSON.stringify({ eventId: randomUUID(), type: 'LedgerEntryAppended', eventVersion: 1, correlationId: 'x', occurredAt: new Date().toISOString(), producer: 'x', payload: { sequence: 'one' } }));
    await commit(committedRound('plan-a', ['u-a']));
    await recorded(accountant, 1);
    const dead = broker.read(`${TOPICS.privacyLedger.name}.dlq`);
    expect(dead.map((r) => r.headers['x-cohort-dlq-code'])).toEqual(['not-json', 'bad-payload']);
    expect(await accountant.bus.isHealthy()).toBe(true);
  });

  it('projects an entry too large for one commit in batches, and finishes it after a crash half-way', async () => {
    const first = await start();
    await commit(committedRound('plan-a', users('u', 3)));
    await recorded(first, 1);
    // 12 000 newcomers: more writes than one commit carries (MAX_WRITES_PER_COMMIT = 5 000).
    let batches = 0;
    // From the second batch of user moves on, every write of them fails (its retries too): the
    // ledger consumer stops with the entry half-projected, as if the process had died there.
    store.failCommit = (ops) => ops.length > 0 && ops.every((op) => op.op === 'hashSet' && op.key === 'profiles:user-group') && ++batches >= 2;
    await commit(committedRound('plan-a', users('u', 12_000)));
    await until(async () => !(await first.bus.isHealthy()), 'the ledger consumer to stop');
    await stop(first);
    store.failCommit = undefined;
    expect(await store.get('projection:staged')).not.toBeNull();
    expect(await store.inner.listLength('ledger:entries')).toBe(1);
    const second = await start(); // finishes the staged entry first, then the record comes back as a duplicate
    await recorded(second, 2);
    expect(await store.get('projection:staged')).toBeNull();
    const spent = await Promise.all(['u-0000', 'u-0002', 'u-0003', 'u-11999'].map((u) => user(second, u)));
    expect(spent.map((s) => s.roundsCharged)).toEqual([2, 2, 1, 1]);
    expect(await second.get(PrivacyQueryService).verify()).toMatchObject({ valid: true, headSequence: 2 });
    await commit(committedRound('plan-a', ['u-0003']));
    await recorded(second, 3);
    expect(await user(second, 'u-0003')).toMatchObject({ roundsCharged: 2 });
  });

  it('rebuilds a lost store by replaying the ledger, blobs included, and appends on the real head', async () => {
    const first = await start({ inlineUserIds: 2 });
    const rounds = [committedRound('plan-a', users('u', 5)), committedRound('plan-b', users('u', 3, 3)), committedRound('plan-a', users('u', 2))];
    for (const round of rounds) await commit(round);
    await recorded(first, 3);
    const before = await Promise.all(users('u', 7).map((u) => user(first, u)));
    const planBefore = await first.get(PrivacyQueryService).plan(planA);
    const modelsBefore = await Promise.all(rounds.map((r) => first.get(PrivacyQueryService).model(r.modelVersion)));
    expect((await first.get(PrivacyQueryService).ledger({ offset: 0, limit: 1 })).entries[0]!.eligibleUsers).toMatchObject({ count: 5, blob: { contentType: 'application/vnd.cohort.user-ids+json' } });
    await stop(first);

    const emptied = new SharedStore(new MemoryKeyValueStore()); // Redis lost everything
    const second = await start({ inlineUserIds: 2 }, emptied);
    expect(await second.get(ProjectionRepository).entryCount()).toBe(3);
    expect(await Promise.all(users('u', 7).map((u) => user(second, u)))).toEqual(before);
    expect(await second.get(PrivacyQueryService).plan(planA)).toEqual(planBefore);
    // Guarantees recomputed by the replay (PLD deferred, then computed) are the ones published before.
    const modelsAfter = await Promise.all(rounds.map((r) => second.get(PrivacyQueryService).model(r.modelVersion)));
    expect(modelsAfter).toEqual(modelsBefore.map((m) => ({ ...m, computedAt: expect.any(String) })));
    await commit(committedRound('plan-a', ['u-0000']));
    await recorded(second, 4);
    expect(ledgerRecords().map((r) => r.payload.sequence)).toEqual([1, 2, 3, 4]);
    expect(await user(second, 'u-0000')).toMatchObject({ roundsCharged: 3 }); // rounds 1, 3 and 4
    expect(await second.get(PrivacyQueryService).verify()).toMatchObject({ valid: true, entriesChecked: 4 });
  });
});

describe('per-user caps', () => {
  let broker: EmbeddedBroker;
  let producer: EmbeddedEventBus;
  let accountant: RunningAccountant;

  beforeEach(async () => {
    broker = new EmbeddedBroker();
    producer = new EmbeddedEventBus({ broker, producer: 'round-scheduler' });
    await producer.start();
  });

  afterEach(async () => {
    await accountant?.close();
    await producer.close();
  });

  // q = 0.3, z = 2 at δ = 1e-6: ε after 1, 3, 5, 10 rounds ≈ 1.33, 1.92, 2.33, 3.10 (RDP).
  const mechanism = { kind: 'dp-fedavg-gaussian' as const, samplingRate: 0.3, noiseMultiplier: 2, clipNorm: 1, populationSize: 30 };

  it('a population reaches its cap: capped users are filtered out, announced once, and never charged again', async () => {
    accountant = await startAccountant({ broker, store: new MemoryKeyValueStore(), blobs: new MemoryBlobStore(), options: { userEpsilonCap: 2.5 } });
    const budget = accountant.get(PrivacyBudgetService);
    const repository = accountant.get(ProjectionRepository);
    const early = users('u', 20);
    const late = users('u', 10, 20); // join at round 4
    const ledgerAfter: LedgerEntry[] = [];
    const allowedPerRound: string[][] = [];
    for (let round = 1; round <= 40; round++) {
      const candidates = (round < 4 ? early : [...early, ...late]).map((u) => UserId.parse(u));
      const allowed = await budget.eligibleUsers(planA, candidates, mechanism);
      allowedPerRound.push(allowed);
      if (allowed.length === 0) break;
      await producer.publish(RoundCommitted, { ...committedRound('plan-a', allowed, { samplingRate: 0.3, noiseMultiplier: 2 }), roundNumber: round });
      await until(async () => (await repository.entryCount()) === round, `round ${round} recorded`);
    }
    for (let s = 1; s <= (await repository.entryCount()); s++) ledgerAfter.push((await repository.entryAt(s))!);

    // The cap binds: every user was stopped, and nobody's ε passed it.
    expect(allowedPerRound.at(-1)).toEqual([]);
    const queries = accountant.get(PrivacyQueryService);
    for (const u of [...early, ...late]) {
      const spent = await queries.user(UserId.parse(u));
      expect(spent.epsilon!).toBeLessThanOrEqual(2.5);
      expect(spent.epsilon! + 0.2).toBeGreaterThan(2.5); // …and they got close: one more round would pass it
    }
    // Staggered joiners: the early cohort capped first, the late one three rounds later.
    const early0 = (await queries.user(UserId.parse(early[0]!))).roundsCharged;
    const late0 = (await queries.user(UserId.parse(late[0]!))).roundsCharged;
    expect(early0).toBe(late0);
    const firstRefusal = (u: string) => allowedPerRound.findIndex((allowed, i) => i >= (late.includes(u) ? 3 : 0) && !allowed.includes(UserId.parse(u)));
    expect(firstRefusal(late[0]!)).toBe(firstRefusal(early[0]!) + 3);
    // No entry after a user's refusal charges them.
    for (const u of [...early, ...late]) {
      const refusedAt = firstRefusal(u) + 1; // round numbers are 1-based
      for (const entry of ledgerAfter.slice(refusedAt - 1)) expect((entry.eligibleUsers as { userIds: string[] }).userIds).not.toContain(u);
    }
    // Each user announced exactly once; the plan announced when nobody was left.
    const exhausted = broker.read(TOPICS.userBudgetExhausted.name).map((r) => decodeEvent(UserBudgetExhausted, r.value).payload);
    expect(exhausted.map((e) => e.userId).sort()).toEqual([...early, ...late].sort());
    expect(exhausted[0]).toMatchObject({ planId: 'plan-a', cap: { epsilon: 2.5, delta: 1e-6 } });
    expect(exhausted[0]!.epsilonAfterNextRound!).toBeGreaterThan(2.5);
    const planEvents = broker.read(TOPICS.planBudgetExhausted.name).map((r) => decodeEvent(PlanBudgetExhausted, r.value).payload);
    expect(planEvents).toMatchObject([{ planId: 'plan-a', reason: 'all-candidates-capped', candidates: 30 }]);
  });

  it('counts a round it allowed but the ledger has not recorded yet (never under-counts)', async () => {
    // One round costs ≈ 1.33 and two ≈ 1.67: a cap of 1.5 allows exactly one.
    accountant = await startAccountant({ broker, store: new MemoryKeyValueStore(), blobs: new MemoryBlobStore(), options: { userEpsilonCap: 1.5 } });
    const budget = accountant.get(PrivacyBudgetService);
    const candidates = users('u', 3).map((u) => UserId.parse(u));
    expect(await budget.eligibleUsers(planA, candidates, mechanism)).toEqual(candidates);
    // The round committed but is not recorded yet; another plan asks for the same users.
    expect(await budget.eligibleUsers(PlanId.parse('plan-b'), candidates, mechanism)).toEqual([]);
    expect(await budget.pendingReservations()).toEqual({ 'plan-a': 1 });
    // Once recorded, the reservation is released and the ledger alone decides (still capped).
    await producer.publish(RoundCommitted, committedRound('plan-a', candidates, { samplingRate: 0.3, noiseMultiplier: 2 }));
    await until(async () => (await budget.pendingReservations())['plan-a'] === 0, 'the reservation to be released');
    expect(await budget.eligibleUsers(PlanId.parse('plan-b'), candidates, mechanism)).toEqual([]);
    expect((await accountant.get(PrivacyQueryService).user(candidates[0]!)).roundsCharged).toBe(1);
  });

  it('a plan cap stops the plan before its composition passes it', async () => {
    accountant = await startAccountant({ broker, store: new MemoryKeyValueStore(), blobs: new MemoryBlobStore(), options: { planEpsilonCap: 1.5 } });
    const budget = accountant.get(PrivacyBudgetService);
    const candidates = users('u', 3).map((u) => UserId.parse(u));
    expect(await budget.eligibleUsers(planA, candidates, mechanism)).toEqual(candidates);
    await producer.publish(RoundCommitted, committedRound('plan-a', candidates, { samplingRate: 0.3, noiseMultiplier: 2 }));
    await until(async () => (await accountant.get(ProjectionRepository).entryCount()) === 1, 'the round');
    expect(await budget.eligibleUsers(planA, candidates, mechanism)).toEqual([]);
    const planEvents = broker.read(TOPICS.planBudgetExhausted.name).map((r) => decodeEvent(PlanBudgetExhausted, r.value).payload);
    expect(planEvents).toMatchObject([{ planId: 'plan-a', reason: 'plan-cap', planEpsilonCap: 1.5, roundsCommitted: 1 }]);
  });
});
