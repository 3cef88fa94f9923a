import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '@cohort/bus';
import { ClientId, ModelVersion, PlanId, RoundCommitted, RoundOpened, UserId, type Envelope, type PayloadOf } from '@cohort/contracts';
import { seededRandom } from '@cohort/ml';
import { MemoryKeyValueStore } from '@cohort/state';
import type { BudgetGate } from '../budget/budget-gate.port';
import type { PlanSettings } from '../plans/plan-settings';
import { PlanRepository } from '../plans/plan.repository';
import { PlansService } from '../plans/plans.service';
import { EligibilityPoolRepository } from '../pool/eligibility-pool.repository';
import { RoundRepository } from './round.repository';
import { RoundSchedulerError } from './round-scheduler.error';
import { RoundsService } from './rounds.service';

const planId = PlanId.parse('plan-a');
const plan: PlanSettings = {
  planId, samplingRate: 0.5, noiseMultiplier: 1, clipNorm: 1, minSurvivors: 1, localLearningRate: 1, uploadDeadlineMs: 60_000, aggregation: 'secagg-plus',
};

describe('RoundsService', () => {
  let bus: EmbeddedEventBus;
  let store: MemoryKeyValueStore;
  let pool: EligibilityPoolRepository;
  let rounds: RoundsService;
  let gateCalls: UserId[][];
  const opened: Array<Envelope<'RoundOpened', PayloadOf<typeof RoundOpened>>> = [];
  const committed: Array<PayloadOf<typeof RoundCommitted>> = [];
  /** The plans of a scheduler configured with `plans`. */
  const configured = (...plans: PlanSettings[]) => new PlansService(bus, new PlanRepository(store), new RoundRepository(store), pool, plans);

  beforeEach(async () => {
    bus = new EmbeddedEventBus();
    await bus.start();
    store = new MemoryKeyValueStore();
    pool = new EligibilityPoolRepository(store);
    gateCalls = [];
    // The gate refuses user-0003: it must never be sampled.
    const gate: BudgetGate = { eligibleUsers: async (_plan, users) => (gateCalls.push([...users]), users.filter((u) => u !== 'user-0003')) };
    const repository = new RoundRepository(store);
    rounds = new RoundsService(bus, repository, pool, gate, seededRandom(1), configured(plan));
    opened.length = 0;
    committed.length = 0;
    await bus.subscribe(RoundOpened, async (event) => void opened.push(event), { group: 'test.opened', policy: 'retry-then-dlq' });
    await bus.subscribe(RoundCommitted, async ({ payload }) => void committed.push(payload), { group: 'test.committed', policy: 'retry-then-dlq' });
    for (let i = 0; i < 40; i++) await pool.upsert(UserId.parse(`user-${String(i).padStart(4, '0')}`), ClientId.parse(`c-${i}`), i !== 7);
    await repository.recordModelVersion(planId, { modelVersion: ModelVersion.parse('plan-a:v0'), dimension: 10 });
  });

  afterEach(async () => {
    await bus.close();
  });

  const until = async (predicate: () => boolean) => {
    for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(predicate()).toBe(true);
  };

  it('samples only users whose device meets the plan\'s hardware requirements, and asks the accountant about those alone', async () => {
    // Even users report 8 GB and charging, odd ones 2 GB: a plan needing 4 GB sees the even ones only.
    for (let i = 0; i < 40; i++) {
      const capabilities = { accelerator: 'cpu' as const, memoryMb: i % 2 === 0 ? 8192 : 2048, batteryPercent: 50, network: 'wifi' as const, charging: i % 2 === 0, unmeteredNetwork: true };
      await pool.recordCapabilities(UserId.parse(`user-${String(i).padStart(4, '0')}`), ClientId.parse(`c-${i}`), capabilities, 1);
    }
    const picky = new RoundsService(bus, new RoundRepository(store), pool, { eligibleUsers: async (_plan, users) => (gateCalls.push([...users]), [...users]) }, seededRandom(2), configured({ ...plan, samplingRate: 1, devices: { minMemoryMb: 4096, requireCharging: true } }));
    const round = await picky.open(planId);
    const even = Array.from({ length: 20 }, (_, k) => `user-${String(2 * k).padStart(4, '0')}`);
    expect(gateCalls.at(-1)!.sort()).toEqual(even);
    expect(round.cohort.sort()).toEqual(Array.from({ length: 20 }, (_, k) => `c-${2 * k}`).sort());
  });

  it('over-selects for expected dropouts, charges the rate it sampled at, and expects q·N survivors', async () => {
    const overselecting = new RoundsService(bus, new RoundRepository(store), pool, { eligibleUsers: async (_plan, users) => [...users] }, seededRandom(3), configured({ ...plan, samplingRate: 0.3, expectedDropout: 0.25 }));
    const round = await overselecting.open(planId);
    // 39 consenting users; q' = 0.3 / 0.75 = 0.4 is what the accountant is told and charges for
    expect(round.mechanism.samplingRate).toBeCloseTo(0.4, 12);
    expect(round.expectedCohortSize).toBeCloseTo(0.3 * 39, 9);
    // and the cap: q / (1 − d) never exceeds 1
    const all = new RoundsService(bus, new RoundRepository(store), pool, { eligibleUsers: async (_plan, users) => [...users] }, seededRandom(4), configured({ ...plan, planId: PlanId.parse('plan-b'), samplingRate: 0.9, expectedDropout: 0.5 }));
    await new RoundRepository(store).recordModelVersion(PlanId.parse('plan-b'), { modelVersion: ModelVersion.parse('plan-b:v0'), dimension: 10 });
    const everyone = await all.open(PlanId.parse('plan-b'));
    expect(everyone.mechanism.samplingRate).toBe(1);
    expect(everyone.cohort).toHaveLength(39);
  });

  it('opens a round nobody can afford with an empty cohort (aggregation then aborts it), instead of failing', async () => {
    const capped = new RoundsService(bus, new RoundRepository(store), pool, { eligibleUsers: async () => [] }, seededRandom(1), configured(plan));
    const round = await capped.open(planId);
    expect(round.cohort).toEqual([]);
    expect(round.eligibleUserIds).toEqual([]);
    await until(() => opened.length === 1);
    expect(opened[0]!.payload.cohort).toEqual([]);
  });

  it('samples only consenting users the accountant allows, and announces the round', async () => {
    const round = await rounds.open(planId);
    // 40 users, user-0007 withheld consent → 39 asked; the gate drops user-0003 → 38 eligible.
    expect(gateCalls[0]).toHaveLength(39);
    expect(gateCalls[0]).not.toContain('user-0007');
    expect(round.eligibleUserIds).toHaveLength(38);
    expect(round.mechanism.populationSize).toBe(38);
    expect(round.expectedCohortSize).toBeCloseTo(19, 12);
    expect(round.cohort).not.toContain('c-3');
    expect(round.cohort).not.toContain('c-7');
    // Poisson sampling at q = 0.5 over 38 users: the realised size varies but is never all or none here.
    expect(round.cohort.length).toBeGreaterThan(5);
    expect(round.cohort.length).toBeLessThan(33);
    await until(() => opened.length === 1);
    expect(opened[0].payload).toMatchObject({ roundId: round.roundId, dimension: 10, baseModelVersion: 'plan-a:v0', cohort: round.cohort });
    expect(opened[0].correlationId).toBe(round.roundId);
  });

  it('allows one active round per plan', async () => {
    await rounds.open(planId);
    await expect(rounds.open(planId)).rejects.toThrow(RoundSchedulerError);
  });

  it('gives a task only to cohort members, and none after the round closes', async () => {
    const round = await rounds.open(planId);
    const member = round.cohort[0];
    const outsider = ClientId.parse('c-3');
    const task = await rounds.checkIn(member);
    expect(task).toMatchObject({ roundId: round.roundId, modelPath: '/v1/models/plan-a%3Av0/artifact' });
    expect(await rounds.checkIn(outsider)).toBeNull();
    await rounds.commit(round.roundId, ModelVersion.parse('plan-a:v1'));
    expect(await rounds.checkIn(member)).toBeNull();
  });

  it('commits once even when the outcome is delivered twice', async () => {
    const round = await rounds.open(planId);
    await rounds.commit(round.roundId, ModelVersion.parse('plan-a:v1'));
    await rounds.commit(round.roundId, ModelVersion.parse('plan-a:v1'));
    await until(() => committed.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(committed).toHaveLength(1);
    expect(committed[0]).toMatchObject({ roundId: round.roundId, cohortSize: round.cohort.length, eligibleUserIds: round.eligibleUserIds });
    expect((await rounds.find(round.roundId)).state).toBe('committed');
    // the plan is free again
    await expect(rounds.open(planId)).resolves.toMatchObject({ roundNumber: 2 });
  });

  it('refuses to open a round without a model version', async () => {
    const other = new RoundsService(bus, new RoundRepository(new MemoryKeyValueStore()), pool, { eligibleUsers: async (_p, u) => [...u] }, Math.random, configured(plan));
    await expect(other.open(planId)).rejects.toThrow(/no model version yet/);
  });
});
