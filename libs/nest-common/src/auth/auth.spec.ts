import { timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../config/config.error';
import { DEV_KEY, DEVICE_KEY, OPERATOR_KEY, startTestApp, type TestApp } from '../common/test-app.fixture';
import { ApiKeyTable, keyIdOf, sha256 } from './api-key.table';
import { createApiKeyTable } from './api-key-table.factory';
import { COHORT_ROLES } from './cohort-role.constants';

describe('ApiKeyGuard over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const get = (path: string, authorization?: string) =>
    fetch(`${t.url}${path}`, { headers: authorization === undefined ? {} : { authorization } });

  it('protects routes by default: no header → 401 with WWW-Authenticate: Bearer', async () => {
    const response = await get('/things/mine');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'missing-credentials', status: 401 });
  });

  it('refuses a malformed header (401 missing-credentials)', async () => {
    for (const header of [`Basic ${OPERATOR_KEY}`, 'Bearer', `Bearer ${OPERATOR_KEY} extra`, OPERATOR_KEY]) {
      const response = await get('/things/mine', header);
      expect(response.status, header).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'missing-credentials' });
    }
  });

  it('refuses an unknown key (401 invalid-credentials) without echoing it', async () => {
    const unknown = 'unknown-key-0123456789abcdefghij';
    const response = await get('/things/mine', `Bearer ${unknown}`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'invalid-credentials' });
    expect(text).not.toContain(unknown);
  });

  it('refuses a known key without the route role (403 missing-role)', async () => {
    const response = await get('/things/admin/1', `Bearer ${DEVICE_KEY}`);
    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body).toMatchObject({ code: 'missing-role', status: 403, title: 'Forbidden' });
    expect(body.detail).toContain(keyIdOf(DEVICE_KEY));
    expect(body.detail).not.toContain(DEVICE_KEY);
  });

  it('lets a key holding any of the roles through (200), scheme case-insensitive', async () => {
    expect((await get('/things/admin/1', `Bearer ${OPERATOR_KEY}`)).status).toBe(200);
    expect((await get('/things/admin/1', `bearer ${OPERATOR_KEY}`)).status).toBe(200);
  });

  it('exposes the principal (keyId = first 8 hex of SHA-256, roles) to @Principal()', async () => {
    const response = await get('/things/mine', `Bearer ${DEVICE_KEY}`);
    expect(response.status).toBe(200);
    const expectedKeyId = sha256(DEVICE_KEY).toString('hex').slice(0, 8);
    expect(await response.json()).toEqual({ keyId: expectedKeyId, roles: ['device'] });
  });

  it('gives the standalone development key every role', async () => {
    const response = await get('/things/mine', `Bearer ${DEV_KEY}`);
    expect(await response.json()).toEqual({ keyId: keyIdOf(DEV_KEY), roles: [...COHORT_ROLES] });
  });

  it('leaves @Public() routes and the probes open', async () => {
    expect((await get('/things/open')).status).toBe(200);
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(200);
  });

  it('never writes a key into the logs', async () => {
    await get('/things/mine', `Bearer ${OPERATOR_KEY}`);
    await get('/things/mine', 'Bearer unknown-key-0123456789abcdefghij');
    await vi.waitFor(() => expect(t.logs.filter((line) => line.res !== undefined).length).toBeGreaterThanOrEqual(2));
    const text = JSON.stringify(t.logs);
    expect(text).not.toContain(OPERATOR_KEY);
    expect(text).not.toContain('unknown-key-0123456789abcdefghij');
  });
});

describe('ApiKeyTable', () => {
  const a = 'a-key-0123456789abcdefghijklmnop';
  const b = 'b-key-0123456789abcdefghijklmnop';
  const c = 'c-key-0123456789abcdefghijklmnop';

  function counting() {
    const calls: number[] = [];
    const compare = (x: Buffer, y: Buffer) => {
      calls.push(x.length, y.length);
      return timingSafeEqual(x, y);
    };
    return { calls, table: new ApiKeyTable([{ key: a, roles: ['device'] }, { key: b, roles: ['operator'] }, { key: c, roles: ['compliance'] }], compare) };
  }

  it('compares 32-byte digests against every entry whether the key matches first, last or not at all', () => {
    for (const presented of [a, c, 'short', 'x'.repeat(500)]) {
      const { calls, table } = counting();
      table.authenticate(presented);
      // 3 entries → 3 comparisons, each of two 32-byte digests: no early exit, no length leak.
      expect(calls, presented).toEqual([32, 32, 32, 32, 32, 32]);
    }
  });

  it('finds the matching principal and nothing for other keys', () => {
    const { table } = counting();
    expect(table.authenticate(b)).toEqual({ keyId: keyIdOf(b), roles: ['operator'] });
    expect(table.authenticate(`${b}x`)).toBeUndefined();
    expect(table.authenticate('')).toBeUndefined();
  });
});

describe('createApiKeyTable', () => {
  it('generates and announces a development key once in standalone mode when none is set', () => {
    const announced: string[] = [];
    const table = createApiKeyTable(
      { COHORT_MODE: 'standalone', COHORT_API_KEYS: [], COHORT_API_KEY: undefined },
      { generateKey: () => 'generated-key-0123456789abcdefghij', announce: (text) => announced.push(text) },
    );
    expect(announced).toHaveLength(1);
    expect(announced[0]).toContain('generated-key-0123456789abcdefghij');
    expect(table.authenticate('generated-key-0123456789abcdefghij')?.roles).toEqual([...COHORT_ROLES]);
  });

  it('generates keys of 43 base64url characters by default', () => {
    const announced: string[] = [];
    createApiKeyTable({ COHORT_MODE: 'standalone', COHORT_API_KEYS: [] }, { announce: (text) => announced.push(text) });
    expect(announced[0]).toMatch(/\n {4}[A-Za-z0-9_-]{43}\n/);
  });

  it('announces nothing when COHORT_API_KEY is set', () => {
    const announced: string[] = [];
    createApiKeyTable({ COHORT_MODE: 'standalone', COHORT_API_KEYS: [], COHORT_API_KEY: DEV_KEY }, { announce: (text) => announced.push(text) });
    expect(announced).toEqual([]);
  });

  it('uses only COHORT_API_KEYS in distributed mode and refuses COHORT_API_KEY there', () => {
    const table = createApiKeyTable({ COHORT_MODE: 'distributed', COHORT_API_KEYS: [{ key: OPERATOR_KEY, roles: ['operator'] }] });
    expect(table.size).toBe(1);
    expect(() => createApiKeyTable({ COHORT_MODE: 'distributed', COHORT_API_KEYS: [], COHORT_API_KEY: DEV_KEY })).toThrow(ConfigError);
    expect(() => createApiKeyTable({ COHORT_MODE: 'distributed', COHORT_API_KEYS: [], COHORT_API_KEY: DEV_KEY })).toThrow(/COHORT_API_KEY/);
  });
});
