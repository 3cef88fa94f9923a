/**
 * The README's run command, as a newcomer runs it: `npm start` completes the simulated rounds,
 * prints a recommendation, and keeps serving every route on one port — where commerce backends,
 * devices and operators get problem+json errors for bad input and 401/403 for bad keys.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceClient } from '@cohort/client-sdk';

const root = resolve(__dirname, '..', '..', '..');
const port = 18_180;
const base = `http://127.0.0.1:${port}`;
const apiKey = 'e2e-standalone-development-key-0001';
const complianceKey = 'e2e-standalone-compliance-only-key-01';

describe('npm start (standalone mode)', () => {
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    child = spawn('npm', ['start'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), COHORT_API_KEY: apiKey, COHORT_API_KEYS: `${complianceKey}=compliance`, COHORT_ROUNDS: '2', COHORT_DEVICES: '60', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 150_000;
    while (!stdout.includes('serving every route') && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!stdout.includes('serving every route')) throw new Error(`npm start did not finish its rounds:\n${stdout}\n${stderr}`);
  });

  afterAll(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  });

  const post = (path: string, body: unknown, key: string | null = apiKey, contentType = 'application/json') =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('trains on the Instacart devices, prints the round table and a recommendation from the trained version', () => {
    expect(stdout).toMatch(/enrolled 60 simulated devices \(instacart: 14190 items; 6 held out for evaluation\)/);
    expect(stdout).toMatch(/initial model plan-default:v0 — held-out HR@10 [01]\.\d{3}/);
    // progress, round, state, cohort, trained, dropped, loss, HR@10, ε, version
    expect(stdout).toMatch(/\] 1\/2\s+1\s+committed\s+\d+\s+\d+\s+\d+\s+\d+\.\d{3}\s+[01]\.\d{3}\s+\d+\.\d{3}\s+plan-default:v1/);
    expect(stdout).toMatch(/\] 2\/2\s+2\s+committed\s+.*plan-default:v2/);
    expect(stdout).toMatch(/from plan-default:v2 \(user-level ε = \d+\.\d{3} at δ = 0\.000001\)/);
    expect(stdout).toMatch(/^ {2}\d+\s+score -?\d+\.\d{4}$/m);
  });

  it('serves the ranking of the trained model, which differs from the initial one', async () => {
    const device = new DeviceClient({ clientRegistry: base, roundScheduler: base, secureAggregator: base, modelRegistry: base }, apiKey);
    const initial = await device.fetchModel({ modelPath: '/v1/models/plan-default:v0/artifact', localLearningRate: 0.1 });
    const trained = await device.fetchModel({ modelPath: '/v1/models/plan-default:v2/artifact', localLearningRate: 0.1 });
    expect(trained.params).not.toEqual(initial.params);
    const context = ['196', '14084', '12427'];
    const response = await post('/v1/recommendations', { context: { recentItemIds: context }, limit: 10 });
    const body = (await response.json()) as { modelVersion: string; items: Array<{ itemId: string; score: number }> };
    expect(body.modelVersion).toBe('plan-default:v2');
    // The same user tower on the device gives the same top 10 (on-device ranking = served ranking).
    const rank = (model: typeof trained) => {
      const scores = model.scoreCatalog([context.map((id) => model.indexOf.get(id)!)], null);
      return [...scores.keys()].filter((i) => !context.includes(model.itemIds[i]!)).sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, 10);
    };
    expect(body.items.map((i) => i.itemId)).toEqual(rank(trained).map((i) => trained.itemIds[i]));
    expect(rank(trained)).not.toEqual(rank(initial));
  });

  it('serves recommendations to commerce backends after the rounds', async () => {
    const response = await post('/v1/recommendations', { userId: 'user-000001', context: { recentItemIds: ['196'], query: 'soda' }, limit: 3 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { modelVersion: string; privacy: unknown; items: Array<{ itemId: string; score: number }> };
    expect(body.modelVersion).toBe('plan-default:v2');
    expect(body.items).toHaveLength(3);
    expect(body.items.map((i) => i.itemId)).not.toContain('196');
    expect(body.items[0].score).toBeGreaterThanOrEqual(body.items[1].score);
  });

  it("names the served version's privacy guarantee, as dp-accountant computed it", async () => {
    let privacy: { epsilon: number | null; delta: number | null } = { epsilon: null, delta: null };
    for (let i = 0; i < 50 && privacy.epsilon === null; i++) {
      const response = await post('/v1/recommendations', { context: { recentItemIds: [] }, limit: 1 });
      privacy = ((await response.json()) as { privacy: typeof privacy }).privacy;
      if (privacy.epsilon === null) await new Promise((r) => setTimeout(r, 200));
    }
    const model = await fetch(`${base}/v1/privacy/models/plan-default:v2`, { headers: { authorization: `Bearer ${complianceKey}` } });
    expect(model.status).toBe(200);
    const guarantee = (await model.json()) as { epsilon: number; delta: number; rounds: number };
    expect(guarantee.rounds).toBe(2);
    // Two rounds of q = 0.3, z = 1 at δ = 1e-6: ε ≈ 4.4 (PLD; RDP 4.9) — under the default cap of 10.
    expect(guarantee.epsilon).toBeGreaterThan(4);
    expect(guarantee.epsilon).toBeLessThan(5);
    expect(privacy).toEqual({ epsilon: guarantee.epsilon, delta: 1e-6 });
  });

  it('answers invalid input with a 400 problem+json naming the field', async () => {
    const response = await post('/v1/recommendations', { context: { recentItemIds: ['ok', 42] }, limit: 0 });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { status: number; detail: string; errors: Array<{ field: string }> };
    expect(problem.status).toBe(400);
    expect(problem.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['context.recentItemIds.1', 'limit']));
    expect(problem.detail).toContain('context.recentItemIds.1');
  });

  it('answers malformed JSON and unknown fields with 400 problem+json', async () => {
    const malformed = await post('/v1/recommendations', '{"context": ');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const extra = await post('/v1/recommendations', { context: { recentItemIds: [] }, limit: 1, surprise: true });
    expect(extra.status).toBe(400);
  });

  it('answers a missing or unknown key with 401, and a key without the role with 403', async () => {
    const missing = await post('/v1/recommendations', { context: { recentItemIds: [] }, limit: 1 }, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const wrong = await post('/v1/recommendations', { context: { recentItemIds: [] }, limit: 1 }, 'not-the-right-key-but-long-enough');
    expect(wrong.status).toBe(401);
    const withoutRole = await post('/v1/recommendations', { context: { recentItemIds: [] }, limit: 1 }, complianceKey);
    expect(withoutRole.status).toBe(403);
    expect(((await withoutRole.json()) as { status: number }).status).toBe(403);
    const allowed = await fetch(`${base}/v1/privacy/users/user-000001`, { headers: { authorization: `Bearer ${complianceKey}` } });
    expect(allowed.status).toBe(200);
  });

  it('answers a masked input for an unknown round with 4xx problem+json', async () => {
    const notBinary = await fetch(`${base}/v1/rounds/r-unknown/secagg/masked-input`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/octet-stream', 'x-cohort-client-id': 'c-nobody' },
      body: new Uint8Array(8),
    });
    expect(notBinary.status).toBe(404);
    expect(((await notBinary.json()) as { code: string }).code).toBe('round-not-found');
  });

  it('exposes health and Prometheus metrics without a key', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/v1\/recommendations"/);
  });
});
