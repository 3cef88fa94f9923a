import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemDetails } from '@cohort/contracts';
import { startTestApp, type TestApp } from '../common/test-app.fixture';
import { ReadinessRegistry } from './readiness.registry';

/** Stands in for the infrastructure module: registers checks whose answers the test controls. */
const state = { kafka: true, redis: true, hang: false };

@Injectable()
class FakeDependencies implements OnModuleInit {
  constructor(@Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry) {}

  onModuleInit(): void {
    this.readiness.timeoutMs = 200;
    this.readiness.register('kafka', async () => state.kafka);
    this.readiness.register('redis', async () => {
      if (state.hang) {
        return new Promise<boolean>(() => undefined);
      }
      if (!state.redis) {
        throw new Error('connect ECONNREFUSED 10.0.0.7:6379');
      }
      return true;
    });
  }
}

describe('health endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ providers: [FakeDependencies] });
  });
  afterAll(() => t.close());

  it('answers /health/live with 200 and no API key', async () => {
    const response = await fetch(`${t.url}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /health/ready with 200 when every check passes', async () => {
    Object.assign(state, { kafka: true, redis: true, hang: false });
    const response = await fetch(`${t.url}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { kafka: 'up', redis: 'up' } });
  });

  it('answers 503 problem+json naming each failing check, without the failure details', async () => {
    Object.assign(state, { kafka: false, redis: false, hang: false });
    const response = await fetch(`${t.url}/health/ready`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await response.text();
    const body = ProblemDetails.parse(JSON.parse(text));
    expect(body).toMatchObject({ status: 503, code: 'not-ready', title: 'Service Unavailable' });
    expect(body.errors?.map((error) => error.field)).toEqual(['kafka', 'redis']);
    expect(text).not.toContain('10.0.0.7');
    const logged = t.logs.find((line) => typeof line.msg === 'string' && line.msg.startsWith('not ready'));
    expect(logged?.msg).toContain('redis: threw: connect ECONNREFUSED 10.0.0.7:6379');
  });

  it('counts a check that hangs past its timeout as failed', async () => {
    Object.assign(state, { kafka: true, redis: true, hang: true });
    const started = Date.now();
    const response = await fetch(`${t.url}/health/ready`);
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await response.json()).errors).toEqual([{ field: 'redis', message: 'check failed' }]);
  });
});

describe('ReadinessRegistry', () => {
  it('is ready with no checks, refuses duplicate names, and reports not ready once shutdown begins', async () => {
    const registry = new ReadinessRegistry();
    expect(await registry.run()).toEqual({ ready: true, checks: [] });
    registry.register('a', async () => true);
    expect(() => registry.register('a', async () => true)).toThrow(/already registered/);
    registry.beforeApplicationShutdown();
    expect(await registry.run()).toEqual({
      ready: false,
      checks: [{ name: 'a', ok: true }, { name: 'shutdown', ok: false, reason: 'shutting down' }],
    });
  });
});
