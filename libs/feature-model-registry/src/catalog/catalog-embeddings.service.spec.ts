import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, EmbeddedEventBus } from '@cohort/bus';
import { CatalogItemEmbedded, ItemId, TOPICS, type PayloadOf } from '@cohort/contracts';
import { MemoryKeyValueStore } from '@cohort/state';
import type { ModelRegistryOptions } from '../model-registry.options';
import { ModelRegistryErrorCode } from '../versions/model-registry.error';
import { CatalogEmbeddedConsumer } from './catalog-embedded.consumer';
import { CatalogEmbeddingRepository } from './catalog-embedding.repository';
import { CatalogEmbeddingsService } from './catalog-embeddings.service';

const options: ModelRegistryOptions = { plans: [], autoPromote: true, catalogEmbeddingDim: 3 };
const embed = (itemId: string, embedding: number[], encoderVersion = 'enc-1'): PayloadOf<typeof CatalogItemEmbedded> => ({ itemId: ItemId.parse(itemId), encoderVersion, embedding, modalities: ['text'] });

describe('CatalogEmbeddingsService', () => {
  let bus: EmbeddedEventBus;
  let repository: CatalogEmbeddingRepository;
  let catalog: CatalogEmbeddingsService;

  beforeEach(async () => {
    bus = new EmbeddedEventBus();
    await bus.start();
    repository = new CatalogEmbeddingRepository(new MemoryKeyValueStore());
    catalog = new CatalogEmbeddingsService(repository, options);
    await new CatalogEmbeddedConsumer(bus, catalog).onModuleInit();
  });

  afterEach(async () => {
    await bus.close();
  });

  const until = async (predicate: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 600 && !(await predicate()); i++) await new Promise((r) => setTimeout(r, 5));
    expect(await predicate()).toBe(true);
  };

  it('keeps the latest embedding of each item, with its encoder version', async () => {
    await bus.publish(CatalogItemEmbedded, embed('sku-a', [1, 2, 3]));
    await bus.publish(CatalogItemEmbedded, embed('sku-a', [0.5, -1, 0.25], 'enc-2'));
    await bus.publish(CatalogItemEmbedded, embed('sku-b', [0, 0, 1]));
    await until(async () => (await repository.all()).length === 2 && (await repository.all()).some((item) => item.encoderVersion === 'enc-2'));
    const byId = new Map((await repository.all()).map((item) => [item.itemId, item]));
    expect(byId.get(ItemId.parse('sku-a'))).toEqual({ itemId: 'sku-a', encoderVersion: 'enc-2', embedding: Float32Array.of(0.5, -1, 0.25) });
    expect(byId.get(ItemId.parse('sku-b'))).toEqual({ itemId: 'sku-b', encoderVersion: 'enc-1', embedding: Float32Array.of(0, 0, 1) });
    expect(await repository.encoderOrder()).toEqual(new Map([['enc-1', 1], ['enc-2', 2]]));
  });

  it('sends an embedding of the wrong width, or with a value no Float32 holds, to .dlq with the reason, and stores nothing', async () => {
    await bus.publish(CatalogItemEmbedded, embed('sku-short', [1, 2]));
    await bus.publish(CatalogItemEmbedded, embed('sku-huge', [1, 1e39, 0]));
    const dlq = `${TOPICS.catalogItemEmbedded.name}.dlq`;
    await until(() => bus.readTopic(dlq).length === 2);
    const dead = new Map(bus.readTopic(dlq).map((record) => [record.key, record.headers]));
    expect(dead.get('sku-short')?.[DLQ_HEADERS.code]).toBe('handler-failed');
    expect(dead.get('sku-short')?.[DLQ_HEADERS.reason]).toMatch(/has 2 values; this registry expects 3/);
    expect(dead.get('sku-huge')?.[DLQ_HEADERS.reason]).toMatch(/value 1e\+39 at index 1, not a finite Float32/);
    expect(await repository.all()).toEqual([]);
    expect(await repository.encoderOrder()).toEqual(new Map());
    await expect(catalog.record(embed('sku-short', [1, 2]))).rejects.toMatchObject({ code: ModelRegistryErrorCode.InvalidEmbedding });
  });

  it('snapshots the newest encoder\'s items sorted by item id, rows in that order', async () => {
    await catalog.record(embed('sku-b', [0, 1, 0]));
    await catalog.record(embed('sku-c', [9, 9, 9], 'enc-old-name-new-version'));
    await catalog.record(embed('sku-a', [1, 0, 0], 'enc-old-name-new-version'));
    await catalog.record(embed('sku-B', [0, 0, 1], 'enc-old-name-new-version'));
    // 'B' (0x42) sorts before 'a' (0x61): code-unit order, the same on every machine
    expect(await catalog.snapshot('plan-x', 3)).toEqual({
      encoderVersion: 'enc-old-name-new-version', itemIds: ['sku-B', 'sku-a', 'sku-c'], content: Float32Array.of(0, 0, 1, 1, 0, 0, 9, 9, 9),
    });
    await expect(catalog.snapshot('plan-x', 4)).rejects.toMatchObject({ code: ModelRegistryErrorCode.PlanNotTrainable });
  });
});
