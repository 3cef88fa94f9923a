/**
 * The eligibility pool as client-registry's events build it, with the real round service
 * sampling from it: a device that withdraws consent is in none of the next 50 cohorts (at q = 0.9
 * it would be in about 45) and is back once it consents again; late, replayed and concurrent
 * events cannot undo a withdrawal; and capability profiles can be filtered on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '@cohort/bus';
import {
  ClientCapabilitiesUpdated, ClientConsentChanged, ClientId, ClientRegistered, ModelVersion, PlanId, UserId,
  type DeviceCapabilities,
} from '@cohort/contracts';
import { MemoryKeyValueStore } from '@cohort/state';
import type { PlanSettings } from '../plans/plan-settings';
import { PlanRepository } from '../plans/plan.repository';
import { PlansService } from '../plans/plans.service';
import type { RandomSource } from '../rounds/random-source';
import { RoundRepository } from '../rounds/round.repository';
import { RoundsService } from '../rounds/rounds.service';
import { EligibilityPoolConsumer } from './eligibility-pool.consumer';
import { EligibilityPoolRepository } from './eligibility-pool.repository';

const planId = PlanId.parse('plan-pool');
const plan: PlanSettings = {
  planId, samplingRate: 0.9, noiseMultiplier: 1, clipNorm: 1, minSurvivors: 1, localLearningRate: 1, uploadDeadlineMs: 60_000, aggregation: 'secagg-plus',
};
const PHONE: DeviceCapabilities = { accelerator: 'cpu', memoryMb: 4096, batteryPercent: 80, network: 'wifi' };

/** mulberry32: a seeded stand-in for the CSPRNG, so the sampling is the same on every run. */
function seeded(seed: number): RandomSource {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const user = (i: number) => UserId.parse(`user-${String(i).padStart(4, '0')}`);
const device = (i: number, suffix = '') => ClientId.parse(`c-${i}${suffix}`);

describe('eligibility pool', () => {
  let bus: EmbeddedEventBus;
  let store: MemoryKeyValueStore;
  let pool: EligibilityPoolRepository;
  let rounds: RoundsService;
  let version: number;

  beforeEach(async () => {
    bus = new EmbeddedEventBus();
    await bus.start();
    store = new MemoryKeyValueStore();
    pool = new EligibilityPoolRepository(store);
    await new EligibilityPoolConsumer(bus, pool).onModuleInit();
    const repository = new RoundRepository(store);
    rounds = new RoundsService(bus, repository, pool, { eligibleUsers: async (_plan, users) => [...users] }, seeded(7), new PlansService(bus, new PlanRepository(store), repository, pool, [plan]));
    await repository.recordModelVersion(planId, { modelVersion: ModelVersion.parse('plan-pool:v0'), dimension: 4 });
    version = 0;
  });

  afterEach(async () => {
    await bus.close();
  });

  const until = async (what: string, predicate: () => Promise<boolean>) => {
    for (let i = 0; i < 400; i++) {
      if (await predicate()) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`timed out waiting until ${what}`);
  };
  const inPool = async (userId: UserId) => (await pool.users()).includes(userId);

  const register = (i: number, options: { suffix?: string; consent?: boolean; registeredAt?: string; capabilities?: DeviceCapabilities } = {}) =>
    bus.publish(ClientRegistered, {
      clientId: device(i, options.suffix),
      userId: user(i),
      capabilities: options.capabilities ?? PHONE,
      trainingConsent: options.consent ?? true,
      identityKey: null,
      registeredAt: options.registeredAt ?? '2030-01-01T00:00:00.000Z',
    });
  const consent = (i: number, trainingConsent: boolean, sequence: number, suffix = '') =>
    bus.publish(ClientConsentChanged, { clientId: device(i, suffix), userId: user(i), trainingConsent, sequence, changedAt: new Date().toISOString() });

  /** Opens and commits `count` rounds; returns each round's cohort and eligible users. */
  const runRounds = async (count: number) => {
    const opened: Array<{ cohort: ClientId[]; eligible: UserId[] }> = [];
    for (let r = 0; r < count; r++) {
      const round = await rounds.open(planId);
      opened.push({ cohort: round.cohort, eligible: round.eligibleUserIds });
      await rounds.commit(round.roundId, ModelVersion.parse(`plan-pool:v${++version}`));
    }
    return opened;
  };

  it('never samples a device after it withdrew, for 50 rounds, and samples it again after it consents again', async () => {
    for (let i = 0; i < 20; i++) await register(i);
    await until('all 20 users are in the pool', async () => (await pool.users()).length === 20);
    const target = device(5);

    // Control: at q = 0.9 the device is in nearly every cohort (P(absent from 10) = 1e-10).
    const before = await runRounds(10);
    expect(before.filter((round) => round.cohort.includes(target)).length).toBeGreaterThanOrEqual(5);

    await consent(5, false, 1);
    await until('the withdrawal is applied', async () => !(await inPool(user(5))));
    const after = await runRounds(50);
    for (const [r, round] of after.entries()) {
      expect(round.cohort, `round ${r}`).not.toContain(target);
      // nor is the user counted as eligible (and so charged) for a round it cannot be in
      expect(round.eligible, `round ${r}`).not.toContain(user(5));
      expect(round.eligible).toHaveLength(19);
    }
    // the others are still sampled at the configured rate: 50 rounds × 19 users × 0.9 ≈ 855
    const sampled = after.reduce((sum, round) => sum + round.cohort.length, 0);
    expect(sampled).toBeGreaterThan(780);
    expect(sampled).toBeLessThan(930);

    await consent(5, true, 2);
    await until('the renewed consent is applied', () => inPool(user(5)));
    const again = await runRounds(10);
    expect(again.filter((round) => round.cohort.includes(target)).length).toBeGreaterThanOrEqual(5);
  });

  it('keeps a withdrawal whatever arrives later: a late or replayed registration, an older decision', async () => {
    // the withdrawal is consumed before the registration (another topic, another consumer)
    await consent(1, false, 1);
    await register(1);
    await register(2);
    await until('user-0002 is in the pool', () => inPool(user(2)));
    await new Promise((r) => setTimeout(r, 20));
    expect(await inPool(user(1))).toBe(false);

    // user 2 withdraws (2), then an older consent (1) is redelivered, then the registration again
    await consent(2, false, 2);
    await until('user-0002 has left', async () => !(await inPool(user(2))));
    await consent(2, true, 1);
    await register(2);
    await register(3);
    await until('user-0003 is in the pool', () => inPool(user(3)));
    await new Promise((r) => setTimeout(r, 20));
    expect(await pool.users()).toEqual([user(3)]);
    expect(await pool.devicesOf([user(1), user(2), user(3)])).toEqual(new Map([[user(3), device(3)]]));
    expect((await pool.eligibleDevices()).map((d) => d.clientId)).toEqual([device(3)]);
  });

  it('represents a user by their newest device: its decision counts, an older device does not stand in', async () => {
    await register(1, { suffix: '-old', registeredAt: '2030-01-01T00:00:00.000Z' });
    await register(1, { suffix: '-new', registeredAt: '2030-02-01T00:00:00.000Z' });
    await until('the newer phone represents the user', async () => (await pool.devicesOf([user(1)])).get(user(1)) === device(1, '-new'));
    await consent(1, false, 1, '-new');
    await until('the user has left', async () => !(await inPool(user(1))));
    expect(await pool.devicesOf([user(1)])).toEqual(new Map());
    // a replay of the older phone's registration changes nothing
    await register(1, { suffix: '-old', registeredAt: '2030-01-01T00:00:00.000Z' });
    await new Promise((r) => setTimeout(r, 20));
    expect(await inPool(user(1))).toBe(false);
  });

  it('applies concurrent changes to one user exactly as their sequence numbers order them, in any order', async () => {
    // 12 writers at once on one user's entry — registrations of two phones, their decisions and
    // reports — in 20 shuffled orders, each on a fresh store
    const userId = user(9);
    const a = device(9, '-a');
    const b = device(9, '-b');
    for (let seed = 1; seed <= 20; seed++) {
      const fresh = new EligibilityPoolRepository(new MemoryKeyValueStore());
      const changes = [
        () => fresh.upsert(userId, a, true, { registeredAt: '2030-01-01T00:00:00.000Z', capabilities: PHONE }),
        () => fresh.upsert(userId, b, true, { registeredAt: '2030-01-02T00:00:00.000Z', capabilities: PHONE }),
        ...[1, 2, 3, 4, 5].map((sequence) => () => fresh.recordConsent(userId, b, sequence % 2 === 0, sequence)), // 5 is odd: withdrawn
        ...[1, 2, 3].map((sequence) => () => fresh.recordConsent(userId, a, sequence !== 3, sequence)),
        () => fresh.recordCapabilities(userId, b, { ...PHONE, memoryMb: 8192 }, 6),
        () => fresh.recordCapabilities(userId, b, { ...PHONE, memoryMb: 2048 }, 1),
      ];
      const order = seeded(seed);
      const shuffled = changes.map((change) => ({ change, key: order() })).sort((x, y) => x.key - y.key);
      await Promise.all(shuffled.map(({ change }) => change()));
      // b is the newer phone and its last decision (5) withdrew: the user is out, with no profile
      expect(await fresh.users(), `order ${seed}`).toEqual([]);
      expect(await fresh.eligibleDevices(), `order ${seed}`).toEqual([]);
      await fresh.recordConsent(userId, b, true, 6);
      expect(await fresh.devicesOf([userId]), `order ${seed}`).toEqual(new Map([[userId, b]]));
      // the report numbered 6 wins over the one numbered 1, whichever was applied last
      expect((await fresh.eligibleDevices()).map((d) => d.capabilities.memoryMb), `order ${seed}`).toEqual([8192]);
    }
  });

  it('filters eligible devices on their latest capability profile, with the documented defaults', async () => {
    const profiles: DeviceCapabilities[] = [
      { accelerator: 'cpu', memoryMb: 2048, batteryPercent: 90, network: 'wifi' }, // 0: unmetered by default, not charging
      { accelerator: 'gpu', memoryMb: 8192, batteryPercent: 20, network: 'cellular', charging: true }, // 1
      { accelerator: 'npu', memoryMb: 6144, network: 'cellular', unmeteredNetwork: true }, // 2: no battery level
      { accelerator: 'npu', memoryMb: 6144, batteryPercent: 50, network: 'ethernet', charging: true }, // 3
    ];
    for (const [i, capabilities] of profiles.entries()) await register(i, { capabilities });
    await register(4, { consent: false });
    await until('four users are in the pool', async () => (await pool.users()).length === 4);
    const ids = async (filter: Parameters<EligibilityPoolRepository['eligibleDevices']>[0]) => (await pool.eligibleDevices(filter)).map((d) => d.clientId);

    expect(await ids({})).toEqual([device(0), device(1), device(2), device(3)]);
    expect(await ids({ minMemoryMb: 6144 })).toEqual([device(1), device(2), device(3)]);
    expect(await ids({ requireCharging: true })).toEqual([device(1), device(3)]);
    expect(await ids({ requireUnmeteredNetwork: true })).toEqual([device(0), device(2), device(3)]);
    expect(await ids({ accelerators: ['gpu', 'npu'] })).toEqual([device(1), device(2), device(3)]);
    expect(await ids({ minBatteryPercent: 50 })).toEqual([device(0), device(3)]);
    expect(await ids({ minMemoryMb: 4096, requireCharging: true, requireUnmeteredNetwork: true })).toEqual([device(3)]);
    expect((await pool.eligibleDevices({ accelerators: ['cpu'] }))[0]!.capabilities).toMatchObject({ charging: false, unmeteredNetwork: true });

    // device 0 reports it is now charging on a metered hotspot: the filters follow its latest report
    await bus.publish(ClientCapabilitiesUpdated, {
      clientId: device(0), userId: user(0), capabilities: { ...profiles[0]!, charging: true, unmeteredNetwork: false }, sequence: 1, reportedAt: new Date().toISOString(),
    });
    await until('the report is applied', async () => (await ids({ requireCharging: true })).includes(device(0)));
    expect(await ids({ requireUnmeteredNetwork: true })).toEqual([device(2), device(3)]);
  });
});
