/**
 * Training plans over HTTP, as a real Nest app with the API-key guard and the problem+json filter
 * on an embedded bus and an in-memory store: an operator defines a plan, reads it back and opens
 * a round under it (a stub registry answers each TrainingPlanDefined with the plan's initial
 * version, as model-registry does); a target ε is calibrated to the z `@cohort/dp` gives; bad
 * plans are 400s naming the field; the mechanism of a plan that has had a round is locked (409).
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '@cohort/bus';
import {
  ClientId, ModelVersion, ModelVersionPublished, PlanId, RoundOpened, TrainingPlanDefined, TrainingPlanList, TrainingPlanView, UserId,
  type PayloadOf,
} from '@cohort/contracts';
import { calibrateNoiseMultiplier, dpFedAvgEvent, RdpAccountant } from '@cohort/dp';
import { COHORT_NEST_APP_OPTIONS, CohortCommonModule, CohortInfrastructureModule, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import { MemoryKeyValueStore } from '@cohort/state';
import { EligibilityPoolRepository } from '../pool/eligibility-pool.repository';
import { RoundSchedulerModule } from '../round-scheduler.module';
import type { PlanSettings } from './plan-settings';

const OPERATOR_KEY = 'operator-key-0123456789abcdefghijk';
const DEVICE_KEY = 'device-key-0123456789abcdefghijklm';
const SHA = 'a'.repeat(64);

const configured: PlanSettings = {
  planId: PlanId.parse('plan-default'), samplingRate: 0.3, noiseMultiplier: 1, clipNorm: 1, minSurvivors: 3,
  localLearningRate: 0.2, uploadDeadlineMs: 10_000, aggregation: 'secagg-plus',
};

/** A valid plan, as an operator sends it. */
const basePlan = {
  planId: 'plan-ops',
  sampling: { samplingRate: 0.5 },
  privacy: { noiseMultiplier: 1.1 },
  clipNorm: 0.5,
  minSurvivors: 2,
  deadlines: { uploadMs: 30_000 },
  training: { learningRate: 0.1, epochs: 2 },
  serverOptimizer: { kind: 'fedavg', learningRate: 1 },
  model: { contentDim: 0, idBuckets: 256, embeddingDim: 8, hiddenDim: 16, poolingDecay: 0.9, recencyDecay: 0.7 },
};

describe('training plans over HTTP', () => {
  let app: NestExpressApplication;
  let url: string;
  let bus: EmbeddedEventBus;
  let pool: EligibilityPoolRepository;
  const defined: Array<PayloadOf<typeof TrainingPlanDefined>> = [];
  const opened: Array<PayloadOf<typeof RoundOpened>> = [];

  beforeEach(async () => {
    bus = new EmbeddedEventBus();
    const store = new MemoryKeyValueStore();
    const config = parseConfig(commonConfigSchema, { COHORT_API_KEYS: `${OPERATOR_KEY}=operator,${DEVICE_KEY}=device`, LOG_LEVEL: 'silent' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        CohortCommonModule.forRoot({ service: 'round-scheduler', config, logDestination: { write: () => undefined }, defaultMetrics: false }),
        CohortInfrastructureModule.forRoot(config, { blobStore: 'memory', factories: { createEventBus: () => bus, createKeyValueStore: () => store } }),
        RoundSchedulerModule.forRoot({ plans: [configured], budgetGate: { useValue: { eligibleUsers: async (_plan, users) => [...users] } } }),
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ ...COHORT_NEST_APP_OPTIONS, logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    pool = app.get(EligibilityPoolRepository);
    for (let i = 0; i < 40; i++) await pool.upsert(UserId.parse(`user-${i}`), ClientId.parse(`c-${i}`), true);
    defined.length = 0;
    opened.length = 0;
    // The registry's part: each definition gets its initial version.
    await bus.subscribe(TrainingPlanDefined, async ({ payload }) => {
      defined.push(payload);
      await bus.publish(ModelVersionPublished, {
        modelVersion: ModelVersion.parse(`${payload.planId}:v0`), planId: payload.planId, roundId: null, baseVersion: null, roundNumber: 0,
        artifact: { uri: `memory://${payload.planId}`, byteLength: 1, sha256: SHA, contentType: 'application/json' }, dimension: 10, contributors: 0, expectedCohortSize: 0,
      });
    }, { group: 'test.registry', policy: 'retry-then-dlq' });
    await bus.subscribe(RoundOpened, async ({ payload }) => void opened.push(payload), { group: 'test.opened', policy: 'retry-then-dlq' });
  });

  afterEach(async () => {
    await app.close();
  });

  const request = (method: string, path: string, body?: unknown, key: string | null = OPERATOR_KEY) =>
    fetch(`${url}${path}`, {
      method,
      headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const until = async (predicate: () => boolean, what: string) => {
    for (let i = 0; i < 400 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(predicate(), what).toBe(true);
  };

  /** Opens a round once the stub registry's initial version has reached the scheduler. */
  const openRound = async (planId: string) => {
    for (let i = 0; i < 400; i++) {
      const response = await request('POST', `/v1/plans/${planId}/rounds`);
      if (response.status !== 503) return response;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`plan ${planId} never got its initial version`);
  };

  it('creates a plan, reads and lists it, and opens a round that runs its mechanism and training', async () => {
    const created = await request('POST', '/v1/plans', basePlan);
    expect(created.status).toBe(201);
    const view = TrainingPlanView.parse(await created.json());
    expect(view).toMatchObject({
      planId: 'plan-ops', source: 'api', aggregation: 'secagg-plus', roundsOpened: 0,
      mechanism: { samplingRate: 0.5, selectionRate: 0.5, noiseMultiplier: 1.1, clipNorm: 0.5, eligibleAtCreation: null, calibratedEpsilon: null },
    });
    expect(TrainingPlanView.parse(await (await request('GET', '/v1/plans/plan-ops')).json())).toEqual(view);
    const list = TrainingPlanList.parse(await (await request('GET', '/v1/plans')).json());
    expect(list.plans.map((plan) => [plan.planId, plan.source])).toEqual([['plan-default', 'config'], ['plan-ops', 'api']]);
    // the registry heard of it, with the model, training and optimizer to use
    await until(() => defined.length === 1, 'TrainingPlanDefined');
    expect(defined[0]).toMatchObject({ planId: 'plan-ops', model: basePlan.model, training: basePlan.training, serverOptimizer: basePlan.serverOptimizer });

    const round = await openRound('plan-ops');
    expect(round.status).toBe(201);
    expect(await round.json()).toMatchObject({ planId: 'plan-ops', roundNumber: 1, state: 'open', minSurvivors: 2 });
    await until(() => opened.length === 1, 'RoundOpened');
    expect(opened[0]).toMatchObject({
      planId: 'plan-ops', baseModelVersion: 'plan-ops:v0', localLearningRate: 0.1, minSurvivors: 2,
      mechanism: { samplingRate: 0.5, noiseMultiplier: 1.1, clipNorm: 0.5, populationSize: 40 },
    });
    const deadlineMs = Date.parse(opened[0]!.uploadDeadline) - Date.now();
    expect(deadlineMs).toBeGreaterThan(20_000);
    expect(deadlineMs).toBeLessThanOrEqual(30_000);
    expect(TrainingPlanView.parse(await (await request('GET', '/v1/plans/plan-ops')).json()).roundsOpened).toBe(1);
  });

  it('calibrates a target ε to the z of @cohort/dp at the rate it charges, and derives q from a target cohort size', async () => {
    const response = await request('POST', '/v1/plans', {
      ...basePlan, sampling: { targetCohortSize: 10 }, expectedDropout: 0.2, privacy: { targetEpsilon: 4, delta: 1e-5, plannedRounds: 50 },
    });
    expect(response.status).toBe(201);
    const { mechanism } = TrainingPlanView.parse(await response.json());
    // 40 eligible users: q = 10 / 40 = 0.25; sampled at q / (1 − 0.2) = 0.3125, which is what is charged
    expect(mechanism).toMatchObject({ samplingRate: 0.25, eligibleAtCreation: 40 });
    expect(mechanism.selectionRate).toBeCloseTo(0.3125, 12);
    const expected = calibrateNoiseMultiplier({ targetEpsilon: 4, delta: 1e-5, steps: 50, samplingRate: mechanism.selectionRate });
    expect(mechanism.noiseMultiplier).toBe(expected.noiseMultiplier);
    const epsilon = new RdpAccountant().compose(dpFedAvgEvent(mechanism.selectionRate, mechanism.noiseMultiplier, 50)).getEpsilon(1e-5);
    expect(epsilon).toBeLessThanOrEqual(4);
    expect(epsilon).toBeGreaterThan(4 * 0.99);
    expect(mechanism.calibratedEpsilon).toBeCloseTo(epsilon, 9);
    // the round is drawn at the charged rate
    expect((await openRound('plan-ops')).status).toBe(201);
    await until(() => opened.length === 1, 'RoundOpened');
    expect(opened[0]!.mechanism.samplingRate).toBe(mechanism.selectionRate);
    expect(opened[0]!.mechanism.noiseMultiplier).toBe(mechanism.noiseMultiplier);
  });

  it('answers an invalid plan with a 400 problem+json naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ ...basePlan, clipNorm: -1 }, 'clipNorm'],
      [{ ...basePlan, sampling: { samplingRate: 0.5, targetCohortSize: 10 } }, 'sampling'],
      [{ ...basePlan, sampling: { samplingRate: 1.5 } }, 'sampling.samplingRate'],
      [{ ...basePlan, privacy: { targetEpsilon: 1 } }, 'privacy'],
      [{ ...basePlan, training: { epochs: 1 } }, 'training.learningRate'],
      [{ ...basePlan, serverOptimizer: { kind: 'sgd', learningRate: 1 } }, 'serverOptimizer.kind'],
      [{ ...basePlan, model: { ...basePlan.model, contentDim: 0, idBuckets: 0 } }, 'model'],
      [{ ...basePlan, planId: 'no spaces' }, 'planId'],
      [{ ...basePlan, surprise: true }, 'body'],
    ];
    for (const [body, field] of cases) {
      const response = await request('POST', '/v1/plans', body);
      expect(response.status, field).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as { code: string; errors: Array<{ field: string }> };
      expect(problem.code).toBe('validation-failed');
      expect(problem.errors.map((error) => error.field), field).toContain(field);
    }
    // a target no noise can reach: the calibration's reason, as a 400 on `privacy`
    const unreachable = await request('POST', '/v1/plans', { ...basePlan, sampling: { samplingRate: 1 }, privacy: { targetEpsilon: 1e-6, delta: 1e-12, plannedRounds: 1_000_000 } });
    expect(unreachable.status).toBe(400);
    expect(await unreachable.json()).toMatchObject({ code: 'invalid-plan', errors: [{ field: 'privacy' }] });
    // PUT: the body may not name another plan than the path
    expect((await request('PUT', '/v1/plans/plan-x', basePlan)).status).toBe(400);
    expect(defined).toEqual([]);
  });

  it('locks q, z and C once the plan has had a round, and lets the rest change', async () => {
    const { planId: _planId, ...body } = basePlan;
    expect((await request('PUT', '/v1/plans/plan-ops', body)).status).toBe(201);
    // before any round, the mechanism may still change
    expect((await request('PUT', '/v1/plans/plan-ops', { ...body, clipNorm: 0.8 })).status).toBe(200);
    expect((await openRound('plan-ops')).status).toBe(201);
    for (const change of [{ sampling: { samplingRate: 0.4 } }, { privacy: { noiseMultiplier: 0.9 } }, { clipNorm: 1 }, { expectedDropout: 0.1 }]) {
      const response = await request('PUT', '/v1/plans/plan-ops', { ...body, clipNorm: 0.8, ...change });
      expect(response.status, JSON.stringify(change)).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'plan-mechanism-locked' });
    }
    const tuned = await request('PUT', '/v1/plans/plan-ops', { ...body, clipNorm: 0.8, minSurvivors: 5, training: { learningRate: 0.05 }, deadlines: { uploadMs: 60_000 } });
    expect(tuned.status).toBe(200);
    expect(TrainingPlanView.parse(await tuned.json())).toMatchObject({ minSurvivors: 5, training: { learningRate: 0.05 }, mechanism: { clipNorm: 0.8 }, roundsOpened: 1 });
    // the architecture is fixed from creation on
    expect(await (await request('PUT', '/v1/plans/plan-ops', { ...body, clipNorm: 0.8, model: { ...basePlan.model, hiddenDim: 32 } })).json()).toMatchObject({ status: 409, code: 'plan-model-locked' });
  });

  it('refuses to create a plan twice or to redefine the configured one', async () => {
    expect((await request('POST', '/v1/plans', basePlan)).status).toBe(201);
    expect(await (await request('POST', '/v1/plans', basePlan)).json()).toMatchObject({ status: 409, code: 'plan-exists' });
    expect(await (await request('POST', '/v1/plans', { ...basePlan, planId: 'plan-default' })).json()).toMatchObject({ status: 409, code: 'plan-configured' });
    expect(TrainingPlanView.parse(await (await request('GET', '/v1/plans/plan-default')).json())).toMatchObject({
      source: 'config', sampling: { samplingRate: 0.3 }, privacy: { noiseMultiplier: 1 }, deadlines: { uploadMs: 10_000 }, createdAt: null,
    });
    expect(await (await request('GET', '/v1/plans/plan-nope')).json()).toMatchObject({ status: 404, code: 'unknown-plan' });
  });

  it('is for operators only', async () => {
    expect((await request('GET', '/v1/plans', undefined, null)).status).toBe(401);
    expect((await request('POST', '/v1/plans', basePlan, null)).status).toBe(401);
    expect((await request('GET', '/v1/plans', undefined, DEVICE_KEY)).status).toBe(403);
    expect((await request('POST', '/v1/plans', basePlan, DEVICE_KEY)).status).toBe(403);
    expect((await request('PUT', '/v1/plans/plan-ops', basePlan, DEVICE_KEY)).status).toBe(403);
    expect((await request('GET', '/v1/plans/plan-default', undefined, DEVICE_KEY)).status).toBe(403);
  });
});
