/**
 * Standalone mode takes the bodies the services take, route by route: the catalog API's base64
 * images (recommendation-serving's JSON limit), secure-aggregator's binary masked inputs, and the
 * 1 MiB JSON default everywhere else. Above a route's limit the answer is 413 problem+json.
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG_JSON_LIMIT } from '@cohort/feature-recommendation-serving';
import { COHORT_NEST_APP_OPTIONS, DEFAULT_JSON_LIMIT, parseConfig } from '@cohort/nest-common';
import { StandaloneModule } from './app.module';
import { StandaloneConfig } from './standalone.config';

const API_KEY = 'standalone-body-limits-key-0123456789';
const MiB = 1024 * 1024;
// The PNG signature and an IHDR chunk header, then padding: passes the catalog's signature check.
const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];
const png = (bytes: number) => {
  const out = new Uint8Array(bytes);
  out.set(PNG_HEAD);
  return Buffer.from(out).toString('base64');
};

describe('standalone body limits, per route as in the services', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const config = parseConfig(StandaloneConfig, { COHORT_API_KEY: API_KEY, LOG_LEVEL: 'silent' });
    const moduleRef = await Test.createTestingModule({ imports: [StandaloneModule.forRoot(config, ['sku-1'])] }).compile();
    app = moduleRef.createNestApplication({ ...COHORT_NEST_APP_OPTIONS, logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  const send = (method: string, path: string, body: string | Uint8Array<ArrayBuffer>, contentType = 'application/json') =>
    fetch(`${url}${path}`, { method, headers: { 'content-type': contentType, authorization: `Bearer ${API_KEY}` }, body });

  it('accepts a 2 MiB catalog image (base64 JSON over the 1 MiB default), as recommendation-serving does', async () => {
    const body = JSON.stringify({ title: 'Big photo', image: { contentType: 'image/png', data: png(2 * MiB) } });
    expect(body.length).toBeGreaterThan(1 * MiB); // DEFAULT_JSON_LIMIT
    expect(DEFAULT_JSON_LIMIT).toBe('1mb');
    const response = await send('PUT', '/v1/catalog/items/sku-1', body);
    expect(response.status).toBe(202);
  });

  it('answers 413 problem+json for a catalog body over CATALOG_JSON_LIMIT', async () => {
    const body = JSON.stringify({ title: 'Too big', image: { contentType: 'image/png', data: png(Math.ceil((CATALOG_JSON_LIMIT * 3) / 4) + 1024) } });
    expect(body.length).toBeGreaterThan(CATALOG_JSON_LIMIT);
    const response = await send('PUT', '/v1/catalog/items/sku-1', body);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 413 });
  });

  it('keeps the 1 MiB JSON default on the other routes', async () => {
    const body = JSON.stringify({ context: { recentItemIds: ['x'.repeat(2 * MiB)] }, limit: 1 });
    const response = await send('POST', '/v1/recommendations', body);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('reads a 2 MiB octet-stream masked input (secure-aggregator raw limit), not 413', async () => {
    const response = await send('POST', '/v1/rounds/round-unknown/secagg/masked-input', new Uint8Array(2 * MiB), 'application/octet-stream');
    expect(response.status).not.toBe(413);
  });
});
