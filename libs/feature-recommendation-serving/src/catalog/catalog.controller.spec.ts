/** The catalog API over HTTP, the way a commerce backend pushes items: body checks, blob store, event. */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '@cohort/blob-store';
import { EmbeddedBroker, EmbeddedEventBus } from '@cohort/bus';
import { CatalogItemPutResponse, CatalogItemUpserted, PlanId, type PayloadOf } from '@cohort/contracts';
import { COHORT_NEST_APP_OPTIONS, CohortCommonModule, CohortInfrastructureModule, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import { RecommendationServingModule } from '../recommendation-serving.module';
import { RECOMMENDATION_SERVING_HTTP_OPTIONS } from '../recommendation-serving.http-options';
import { CATALOG_MAX_IMAGE_BYTES } from './catalog-image';

const BACKEND_KEY = 'test-backend-key-0123456789abcdefgh';
const DEVICE_KEY = 'test-device-key-0123456789abcdefghi';

// The PNG signature and an IHDR chunk header: enough for the catalog's signature check (decoding is the worker's).
const PNG_BYTES = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3]);

describe('PUT /v1/catalog/items/{itemId}', () => {
  const broker = new EmbeddedBroker();
  const blobs = new MemoryBlobStore();
  const reader = new EmbeddedEventBus({ broker, producer: 'test-reader' });
  const received: Array<PayloadOf<typeof CatalogItemUpserted>> = [];
  let app: INestApplication;
  let url: string;

  const put = (itemId: string, body: unknown, key: string | null = BACKEND_KEY) =>
    fetch(`${url}/v1/catalog/items/${itemId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    const config = parseConfig(commonConfigSchema, { COHORT_API_KEYS: `${BACKEND_KEY}=commerce-backend,${DEVICE_KEY}=device`, COHORT_API_KEY: 'test-development-key-0123456789abc', LOG_LEVEL: 'silent' });
    const bus = new EmbeddedEventBus({ broker, producer: 'recommendation-serving' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        CohortCommonModule.forRoot({ service: 'recommendation-serving', config, http: RECOMMENDATION_SERVING_HTTP_OPTIONS, logDestination: { write: () => undefined }, defaultMetrics: false }),
        CohortInfrastructureModule.forRoot(config, { factories: { createEventBus: () => bus, createBlobStore: () => blobs } }),
        RecommendationServingModule.forRoot({ planId: PlanId.parse('plan-test'), instanceId: 'catalog-spec' }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ ...COHORT_NEST_APP_OPTIONS, logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    await reader.start();
    await reader.subscribe(CatalogItemUpserted, async ({ payload }) => void received.push(payload), { group: 'catalog-spec-reader', policy: 'retry-then-dlq' });
  });

  afterAll(async () => {
    await reader.close();
    await app.close();
  });

  const until = async (predicate: () => boolean) => {
    for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('stores the image in the blob store and publishes CatalogItemUpserted with its claim check', async () => {
    const response = await put('sku-001', { title: 'Linen shirt', description: 'Loose fit', category: 'Apparel', image: { contentType: 'image/png', data: Buffer.from(PNG_BYTES).toString('base64') } });
    expect(response.status).toBe(202);
    const body = CatalogItemPutResponse.parse(await response.json());
    expect(body.image).toMatchObject({ byteLength: PNG_BYTES.length, contentType: 'image/png' });
    expect(await blobs.get(body.image!)).toEqual(PNG_BYTES);
    await until(() => received.some((item) => item.itemId === 'sku-001'));
    expect(received.find((item) => item.itemId === 'sku-001')).toEqual({ itemId: 'sku-001', title: 'Linen shirt', description: 'Loose fit', category: 'Apparel', image: body.image });
  });

  it('accepts an item without an image (text only)', async () => {
    const response = await put('sku-002', { title: 'Gift card' });
    expect(response.status).toBe(202);
    await until(() => received.some((item) => item.itemId === 'sku-002'));
    expect(received.find((item) => item.itemId === 'sku-002')).toEqual({ itemId: 'sku-002', title: 'Gift card' });
  });

  it.each([
    ['a title of the wrong type', { title: 42 }, 'title'],
    ['a blank title', { title: '   ' }, 'title'],
    ['an unknown field', { title: 'x', price: 3 }, 'body'],
    ['image data that is not base64', { title: 'x', image: { contentType: 'image/png', data: 'not base64!!' } }, 'image.data'],
    ['an unsupported image type', { title: 'x', image: { contentType: 'image/gif', data: 'R0lGODlh' } }, 'image.contentType'],
    ['JPEG bytes declared as PNG', { title: 'x', image: { contentType: 'image/png', data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]).toString('base64') } }, 'image.data'],
  ])('answers 400 problem+json naming the field for %s, and publishes nothing', async (_what, body, field) => {
    const before = received.length;
    const response = await put('sku-bad', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; errors?: Array<{ field: string }> };
    expect(problem.code).toBe('validation-failed');
    expect(problem.errors?.map((e) => e.field)).toContain(field);
    await new Promise((r) => setTimeout(r, 30));
    expect(received.length).toBe(before);
  });

  it('answers 400 for an item id that is not a token and for malformed JSON', async () => {
    expect((await put('bad%20id', { title: 'x' })).status).toBe(400);
    const malformed = await put('sku-003', '{"title": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { code: string }).code).toBe('malformed-json');
  });

  it('answers 413 problem+json for a 50 MB body, and keeps serving', async () => {
    const huge = JSON.stringify({ title: 'x', image: { contentType: 'image/png', data: 'A'.repeat(50 * 1024 * 1024) } });
    const response = await put('sku-huge', huge);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe('payload-too-large');
    expect((await put('sku-004', { title: 'After the flood' })).status).toBe(202);
  });

  it('refuses an image over the limit that fits the JSON limit with 400, naming the limit', async () => {
    const bytes = new Uint8Array(CATALOG_MAX_IMAGE_BYTES + 1);
    bytes.set(PNG_BYTES);
    const response = await put('sku-005', { title: 'x', image: { contentType: 'image/png', data: Buffer.from(bytes).toString('base64') } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toContain(`at most ${CATALOG_MAX_IMAGE_BYTES}`);
  });

  it('is for commerce backends: 401 without a key, 403 for a device key', async () => {
    expect((await put('sku-006', { title: 'x' }, null)).status).toBe(401);
    expect((await put('sku-006', { title: 'x' }, DEVICE_KEY)).status).toBe(403);
  });
});
