/** The REST surface of dp-accountant, over HTTP, the way compliance officers and the scheduler use it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedBroker, EmbeddedEventBus } from '@cohort/bus';
import { LedgerPage, LedgerVerification, PlanAuditReport, RoundCommitted, type PayloadOf } from '@cohort/contracts';
import { MemoryKeyValueStore } from '@cohort/state';
import { ProjectionRepository } from '../ledger/projection.repository';
import { COMPLIANCE_KEY, DEVICE_KEY, OPERATOR_KEY, type RunningAccountant, SharedStore, committedRound, startAccountant, until, users } from '../testing/accountant.harness';
import { AUDIT_CSV_COLUMNS } from './audit-csv';

describe('dp-accountant REST', () => {
  const broker = new EmbeddedBroker();
  const store = new SharedStore(new MemoryKeyValueStore());
  const producer = new EmbeddedEventBus({ broker, producer: 'round-scheduler' });
  let accountant: RunningAccountant;
  const rounds: Array<PayloadOf<typeof RoundCommitted>> = [];

  const get = (path: string, key: string | null = COMPLIANCE_KEY, headers: Record<string, string> = {}) =>
    fetch(`${accountant.url}${path}`, { headers: { ...headers, ...(key === null ? {} : { authorization: `Bearer ${key}` }) } });
  const json = async <T>(path: string): Promise<T> => {
    const response = await get(path);
    expect(response.status, `${path}: ${response.status}`).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    await producer.start();
    accountant = await startAccountant({ broker, store, blobs: new MemoryBlobStore() });
    rounds.push(
      committedRound('plan-a', users('u', 4), { roundNumber: 1 }),
      committedRound('plan-b', users('u', 2, 2), { roundNumber: 1, samplingRate: 0.1, noiseMultiplier: 2 }),
      committedRound('plan-a', users('u', 2), { roundNumber: 2 }),
      committedRound('plan-a', users('u', 3), { roundNumber: 3 }),
    );
    for (const round of rounds) await producer.publish(RoundCommitted, round);
    await until(async () => (await accountant.get(ProjectionRepository).entryCount()) === 4, 'four entries');
  });

  afterAll(async () => {
    await accountant.close();
    await producer.close();
  });

  it('serves its OpenAPI 3.1 document publicly, generated from the route schemas', async () => {
    const response = await get('/v1/privacy/openapi.json', null);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/privacy/budget-checks', '/v1/privacy/ledger', '/v1/privacy/ledger/verify', '/v1/privacy/models/{modelVersion}',
      '/v1/privacy/openapi.json', '/v1/privacy/plans/{planId}', '/v1/privacy/plans/{planId}/audit', '/v1/privacy/users/{userId}',
    ]);
    expect(Object.keys(doc.components.schemas.UserPrivacyResponse!.properties!)).toEqual(expect.arrayContaining(['epsilon', 'delta', 'cap', 'roundsCharged']));
  });

  it('lets compliance and operators read, refuses other roles and anonymous callers', async () => {
    expect((await get('/v1/privacy/users/u-0000')).status).toBe(200);
    expect((await get('/v1/privacy/users/u-0000', OPERATOR_KEY)).status).toBe(200);
    expect((await get('/v1/privacy/users/u-0000', DEVICE_KEY)).status).toBe(403);
    expect((await get('/v1/privacy/ledger', null)).status).toBe(401);
    const check = await fetch(`${accountant.url}/v1/privacy/budget-checks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${COMPLIANCE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ planId: 'plan-a', userIds: [], mechanism: rounds[0]!.mechanism }),
    });
    expect(check.status).toBe(403); // budget checks are the scheduler's (operator)
  });

  it("answers a user's spend over every plan, and the PLD bound on request", async () => {
    const spent = await json<{ roundsCharged: number; epsilon: number; epsilonRdp: number; mechanisms: unknown[]; accountant: string }>('/v1/privacy/users/u-0002');
    // u-0002: plan-a rounds 1 and 3, plan-b round 1
    expect(spent).toMatchObject({ roundsCharged: 3, accountant: 'rdp', lastSequence: 4, cap: { epsilon: 10, delta: 1e-6 } });
    expect(spent.mechanisms).toEqual([
      { planId: 'plan-a', samplingRate: 0.3, noiseMultiplier: 1, rounds: 2 },
      { planId: 'plan-b', samplingRate: 0.1, noiseMultiplier: 2, rounds: 1 },
    ]);
    const pld = await json<{ epsilon: number; epsilonPld: number; epsilonRdp: number; accountant: string }>('/v1/privacy/users/u-0002?accountant=pld');
    expect(pld.accountant).toBe('pld');
    expect(pld.epsilon).toBe(pld.epsilonPld);
    expect(pld.epsilonPld).toBeLessThan(pld.epsilonRdp);
    expect((await get('/v1/privacy/users/not%20an%20id')).status).toBe(400);
  });

  it("answers plans and model versions, and 404 for a version no round produced", async () => {
    const plan = await json<{ roundsCommitted: number; epsilon: number; latestModelVersion: string }>('/v1/privacy/plans/plan-a');
    expect(plan).toMatchObject({ roundsCommitted: 3, latestModelVersion: rounds[3]!.modelVersion, lastSequence: 4 });
    const model = await json<{ epsilon: number; rounds: number }>(`/v1/privacy/models/${rounds[3]!.modelVersion}`);
    expect(model).toMatchObject({ rounds: 3, epsilon: plan.epsilon });
    const earlier = await json<{ epsilon: number; rounds: number }>(`/v1/privacy/models/${rounds[0]!.modelVersion}`);
    expect(earlier.rounds).toBe(1);
    expect(earlier.epsilon).toBeLessThan(model.epsilon);
    const missing = await get('/v1/privacy/models/plan-a:v0');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('model-privacy-not-found');
    expect(await json('/v1/privacy/plans/plan-unknown')).toMatchObject({ roundsCommitted: 0, epsilon: 0 });
  });

  it('pages and filters the ledger', async () => {
    const page = LedgerPage.parse(await json('/v1/privacy/ledger?limit=2&offset=1'));
    expect(page).toMatchObject({ offset: 1, limit: 2, total: 4 });
    expect(page.entries.map((e) => e.sequence)).toEqual([2, 3]);
    const byPlan = LedgerPage.parse(await json('/v1/privacy/ledger?planId=plan-a'));
    expect(byPlan.entries.map((e) => e.sequence)).toEqual([1, 3, 4]);
    const byUser = LedgerPage.parse(await json('/v1/privacy/ledger?userId=u-0003'));
    expect(byUser.entries.map((e) => e.sequence)).toEqual([1, 2]);
    const byUserAndPlan = LedgerPage.parse(await json('/v1/privacy/ledger?userId=u-0002&planId=plan-a&fromSequence=2'));
    expect(byUserAndPlan).toMatchObject({ total: 1 });
    expect(byUserAndPlan.entries.map((e) => e.sequence)).toEqual([4]);
    const byRound = LedgerPage.parse(await json(`/v1/privacy/ledger?roundId=${rounds[2]!.roundId}`));
    expect(byRound.entries.map((e) => e.roundId)).toEqual([rounds[2]!.roundId]);
    expect(LedgerPage.parse(await json('/v1/privacy/ledger?fromSequence=3&toSequence=3')).entries.map((e) => e.sequence)).toEqual([3]);
    expect((await get('/v1/privacy/ledger?limit=501')).status).toBe(400);
    expect((await get('/v1/privacy/ledger?surprise=1')).status).toBe(400);
  });

  it('writes the audit report as JSON and as CSV', async () => {
    const report = PlanAuditReport.parse(await json('/v1/privacy/plans/plan-a/audit'));
    expect(report.rounds.map((r) => r.sequence)).toEqual([1, 3, 4]);
    expect(report.ledger.valid).toBe(true);
    // Cumulative ε grows and ends at the plan's RDP ε; each round alone costs the same here.
    expect(report.rounds[2]!.cumulativeEpsilon).toBeCloseTo(report.plan.epsilonRdp!, 12);
    expect(report.rounds[0]!.cumulativeEpsilon).toBe(report.rounds[0]!.roundEpsilon);
    expect(report.rounds[1]!.cumulativeEpsilon!).toBeGreaterThan(report.rounds[0]!.cumulativeEpsilon!);

    for (const response of [await get('/v1/privacy/plans/plan-a/audit?format=csv'), await get('/v1/privacy/plans/plan-a/audit', COMPLIANCE_KEY, { accept: 'text/csv' })]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(response.headers.get('content-disposition')).toMatch(/privacy-audit-plan-a\.csv/);
      const lines = (await response.text()).trimEnd().split('\r\n');
      expect(lines[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
      expect(lines).toHaveLength(4);
      const firstRow = Object.fromEntries(lines[1]!.split(',').map((v, i) => [AUDIT_CSV_COLUMNS[i], v]));
      expect(firstRow).toMatchObject({ sequence: '1', roundId: rounds[0]!.roundId, eligibleUsers: '4', entryHash: report.rounds[0]!.entryHash });
      expect(Number(firstRow.roundEpsilon)).toBe(report.rounds[0]!.roundEpsilon);
    }
  });

  it('verifies the chain, and names the entry whose stored copy was tampered with', async () => {
    expect(LedgerVerification.parse(await json('/v1/privacy/ledger/verify'))).toMatchObject({ valid: true, entriesChecked: 4, headSequence: 4, firstInvalid: null });
    // Someone with write access to Redis removes u-0001 from round 3's charges.
    store.tamper = (key, values, start) =>
      key !== 'ledger:entries' ? values : values.map((raw, i) => (start + i === 2 ? raw.replace('"u-0001",', '') .replace('"count":2', '"count":1') : raw));
    try {
      const result = LedgerVerification.parse(await json('/v1/privacy/ledger/verify'));
      expect(result.valid).toBe(false);
      expect(result.firstInvalid).toMatchObject({ sequence: 3, roundId: rounds[2]!.roundId, fault: 'entry-hash-mismatch' });
      expect(result.entriesChecked).toBe(2);
      // …and the audit report carries the same verdict.
      expect(PlanAuditReport.parse(await json('/v1/privacy/plans/plan-a/audit')).ledger.firstInvalid).toMatchObject({ sequence: 3 });
      // Dropping the last entry keeps the chain intact but not the head: named too.
      store.tamper = (key, values, start) => (key !== 'ledger:entries' ? values : values.filter((_, i) => start + i !== 3));
      const truncated = LedgerVerification.parse(await json('/v1/privacy/ledger/verify'));
      expect(truncated.firstInvalid).toMatchObject({ sequence: 4, fault: 'sequence-gap' });
    } finally {
      store.tamper = undefined;
    }
  });

  it('answers budget checks for the scheduler', async () => {
    const response = await fetch(`${accountant.url}/v1/privacy/budget-checks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ planId: 'plan-a', userIds: ['u-0001', 'u-0009', 'u-0001'], mechanism: rounds[0]!.mechanism }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ eligibleUserIds: ['u-0001', 'u-0009'] });
  });
});
