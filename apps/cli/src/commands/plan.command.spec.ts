/**
 * `cohort plan …` against a real round-scheduler (a Nest app on an embedded bus and an in-memory
 * store, with the operator-key guard): create from a file, list, show, and the refusals.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '@cohort/bus';
import { PlanId, TrainingPlanView } from '@cohort/contracts';
import { RoundSchedulerModule } from '@cohort/feature-round-scheduler';
import { COHORT_NEST_APP_OPTIONS, CohortCommonModule, CohortInfrastructureModule, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import { MemoryKeyValueStore } from '@cohort/state';
import { main } from '../main';

const OPERATOR_KEY = 'operator-key-0123456789abcdefghijk';

const plan = {
  planId: 'plan-cli',
  sampling: { samplingRate: 0.2 },
  privacy: { targetEpsilon: 8, delta: 1e-6, plannedRounds: 20 },
  clipNorm: 1,
  minSurvivors: 3,
  deadlines: { uploadMs: 20_000 },
  training: { learningRate: 0.1 },
};

describe('cohort plan', () => {
  let app: NestExpressApplication;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    const config = parseConfig(commonConfigSchema, { COHORT_API_KEYS: `${OPERATOR_KEY}=operator`, LOG_LEVEL: 'silent' });
    const bus = new EmbeddedEventBus();
    const store = new MemoryKeyValueStore();
    const moduleRef = await Test.createTestingModule({
      imports: [
        CohortCommonModule.forRoot({ service: 'round-scheduler', config, logDestination: { write: () => undefined }, defaultMetrics: false }),
        CohortInfrastructureModule.forRoot(config, { blobStore: 'memory', factories: { createEventBus: () => bus, createKeyValueStore: () => store } }),
        RoundSchedulerModule.forRoot({
          plans: [{ planId: PlanId.parse('plan-default'), samplingRate: 0.3, noiseMultiplier: 1, clipNorm: 1, minSurvivors: 3, localLearningRate: 0.2, uploadDeadlineMs: 10_000, aggregation: 'secagg-plus' }],
          budgetGate: { useValue: { eligibleUsers: async (_plan, users) => [...users] } },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ ...COHORT_NEST_APP_OPTIONS, logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    dir = await mkdtemp(join(tmpdir(), 'cohort-plan-'));
  });

  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(argv: string[], env: Record<string, string> = { COHORT_SCHEDULER_URL: url, COHORT_API_KEY: OPERATOR_KEY }) {
    let out = '';
    let err = '';
    const code = await main(argv, { out: (line) => (out += `${line}\n`), err: (line) => (err += `${line}\n`), env });
    return { code, out, err };
  }

  const file = async (name: string, content: unknown) => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('creates a plan from a file, lists it beside the configured one, and shows it', async () => {
    const created = await run(['plan', 'create', '--file', await file('plan.json', plan)]);
    expect(created.code, created.err).toBe(0);
    const view = TrainingPlanView.parse(JSON.parse(created.out));
    expect(view).toMatchObject({ planId: 'plan-cli', source: 'api', mechanism: { samplingRate: 0.2, clipNorm: 1 } });
    expect(view.mechanism.calibratedEpsilon).toBeLessThanOrEqual(8);

    const list = await run(['plan', 'list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^plan-default\s+config\s+q=0\.3 z=1 C=1 rounds=0\nplan-cli\s+api\s+q=0\.2 z=[\d.]+ C=1 rounds=0\n$/);
    const json = await run(['plan', 'list', '--json']);
    expect((JSON.parse(json.out) as unknown[]).map((p) => TrainingPlanView.parse(p).planId)).toEqual(['plan-default', 'plan-cli']);

    // flags instead of the environment
    const shown = await run(['plan', 'show', 'plan-cli', '--url', url, '--key', OPERATOR_KEY], {});
    expect(shown.code).toBe(0);
    expect(TrainingPlanView.parse(JSON.parse(shown.out))).toEqual(view);
  });

  it('replaces a plan with --replace, and says why the scheduler refuses one', async () => {
    const path = await file('replace.json', { ...plan, planId: 'plan-cli-2', minSurvivors: 4 });
    expect((await run(['plan', 'create', '--file', path, '--replace'])).code).toBe(0);
    const again = await run(['plan', 'create', '--file', path]);
    expect(again).toMatchObject({ code: 64, err: expect.stringMatching(/refused: .* answered 409: .*plan-exists/) });
    expect(await run(['plan', 'show', 'plan-nope'])).toMatchObject({ code: 64, err: expect.stringMatching(/answered 404/) });
  });

  it('checks the file before sending it, and needs an operator key', async () => {
    expect(await run(['plan', 'create', '--file', await file('bad.json', { ...plan, clipNorm: 0 })])).toMatchObject({ code: 64, err: expect.stringMatching(/not a training plan: clipNorm/) });
    expect(await run(['plan', 'create', '--file', await file('broken.json', '{ nope')])).toMatchObject({ code: 64, err: expect.stringMatching(/cannot read the plan/) });
    expect(await run(['plan', 'create', '--file', join(dir, 'missing.json')])).toMatchObject({ code: 64, err: expect.stringMatching(/cannot read the plan/) });
    expect(await run(['plan', 'list'], { COHORT_SCHEDULER_URL: url })).toMatchObject({ code: 64, err: expect.stringMatching(/operator API key is required/) });
    expect(await run(['plan', 'frobnicate'])).toMatchObject({ code: 64, err: expect.stringMatching(/usage: cohort plan create/) });
  });
});
