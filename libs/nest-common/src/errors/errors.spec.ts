import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemDetails } from '@cohort/contracts';
import { OPERATOR_KEY, DEVICE_KEY, startTestApp, type TestApp } from '../common/test-app.fixture';

describe('problem+json errors over HTTP', () => {
  let t: TestApp;
  const auth = { authorization: `Bearer ${DEVICE_KEY}` };

  beforeAll(async () => {
    t = await startTestApp({ http: { jsonLimit: 1024, rawBody: { routes: ['things/blobs'], limit: 4096 } } });
  });
  afterAll(() => t.close());

  async function problem(response: Response) {
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return ProblemDetails.parse(await response.json());
  }

  it('names the bad field of a body that fails its schema (400 validation-failed)', async () => {
    const response = await fetch(`${t.url}/things`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', context: { recentItemIds: [42] } }),
    });
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body).toMatchObject({ status: 400, code: 'validation-failed', type: 'urn:cohort:problem:validation-failed', title: 'Bad Request', instance: '/things' });
    expect(body.errors).toEqual([{ field: 'context.recentItemIds.0', message: expect.stringContaining('expected string') }]);
    expect(body.detail).toContain('context.recentItemIds.0');
  });

  it('accepts a valid body', async () => {
    const response = await fetch(`${t.url}/things`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', context: { recentItemIds: ['a'] } }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ name: 'x', context: { recentItemIds: ['a'] } });
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const response = await fetch(`${t.url}/no/such/route`);
    expect(response.status).toBe(404);
    expect(await problem(response)).toMatchObject({ status: 404, code: 'not-found', title: 'Not Found', instance: '/no/such/route' });
  });

  it('answers a JSON body over the limit with 413 problem+json', async () => {
    const response = await fetch(`${t.url}/things`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(2000), context: { recentItemIds: [] } }),
    });
    expect(response.status).toBe(413);
    expect(await problem(response)).toMatchObject({ status: 413, code: 'payload-too-large' });
  });

  it('answers malformed JSON with 400 malformed-json, without echoing the body', async () => {
    const response = await fetch(`${t.url}/things`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"name": "secret-value",',
    });
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body).toMatchObject({ code: 'malformed-json', detail: 'The request body is not valid JSON.' });
    expect(JSON.stringify(body)).not.toContain('secret-value');
  });

  it('reads octet-stream bodies as a Buffer on the routes that ask for it, with their own limit', async () => {
    const ok = await fetch(`${t.url}/things/blobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(3000),
    });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ isBuffer: true, bytes: 3000 });
    const tooLarge = await fetch(`${t.url}/things/blobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(5000),
    });
    expect(tooLarge.status).toBe(413);
    expect(await problem(tooLarge)).toMatchObject({ code: 'payload-too-large' });
  });

  it('maps a DomainError by its kind (conflict → 409) with its code and message', async () => {
    const response = await fetch(`${t.url}/things/taken`);
    expect(response.status).toBe(409);
    expect(await problem(response)).toMatchObject({ status: 409, code: 'thing-taken', title: 'Conflict', detail: 'Thing 7 is taken.' });
  });

  it('answers an unknown error with a generic 500 and logs it with its stack', async () => {
    const response = await fetch(`${t.url}/things/boom`, { headers: { 'x-correlation-id': 'corr-boom-1' } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('/srv/secret');
    expect(JSON.parse(text)).toMatchObject({ status: 500, code: 'internal', correlationId: 'corr-boom-1' });
    const logged = t.logs.find((line) => line.msg === 'request failed with an unexpected error');
    expect(logged).toMatchObject({ correlationId: 'corr-boom-1', level: 'error', service: 'fixture' });
    expect((logged?.err as { stack?: string }).stack).toContain('hunter2');
  });

  it('uses the operator key too (any listed role passes)', async () => {
    const response = await fetch(`${t.url}/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', context: { recentItemIds: [] } }),
    });
    expect(response.status).toBe(201);
  });
});
