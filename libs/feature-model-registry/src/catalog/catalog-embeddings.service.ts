/**
 * The embedded catalog: the encoder's item embeddings (CatalogItemEmbedded) kept per item, and
 * the snapshot a content plan takes of them when an operator defines it.
 *
 * Invariants:
 * - only embeddings of the configured width whose every value is finite as a Float32 are kept
 *   (anything else is refused whole, so a bad event changes nothing);
 * - a snapshot holds the items of one encoder version, the newest present (first seen last):
 *   content of two encoders lives in two spaces, and one tower cannot mix them; its item ids are
 *   sorted by UTF-16 code units, so the same embedded catalog gives the same snapshot.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CatalogItemEmbedded, ItemId, PayloadOf } from '@cohort/contracts';
import { ModelRegistryError, ModelRegistryErrorCode } from '../versions/model-registry.error';
import { MODEL_REGISTRY_OPTIONS, type ModelRegistryOptions } from '../model-registry.options';
import { CatalogEmbeddingRepository } from './catalog-embedding.repository';

/** A content plan's catalog: its items, in order, and their embeddings (itemIds.length × width, row-major). */
export interface CatalogSnapshot {
  readonly encoderVersion: string;
  readonly itemIds: readonly ItemId[];
  readonly content: Float32Array;
}

@Injectable()
export class CatalogEmbeddingsService {
  private readonly logger = new Logger(CatalogEmbeddingsService.name);

  constructor(
    @Inject(CatalogEmbeddingRepository) private readonly embeddings: CatalogEmbeddingRepository,
    @Inject(MODEL_REGISTRY_OPTIONS) private readonly options: ModelRegistryOptions,
  ) {}

  /** Keeps the item's embedding as its latest; refuses one of another width or with a value that is not a finite Float32. */
  async record({ itemId, encoderVersion, embedding }: PayloadOf<typeof CatalogItemEmbedded>): Promise<void> {
    const width = this.options.catalogEmbeddingDim;
    if (embedding.length !== width) {
      throw new ModelRegistryError(
        ModelRegistryErrorCode.InvalidEmbedding,
        `embedding of item ${itemId} (encoder ${encoderVersion}) has ${embedding.length} values; this registry expects ${width} (COHORT_CATALOG_EMBEDDING_DIM)`,
      );
    }
    const values = Float32Array.from(embedding);
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) {
      throw new ModelRegistryError(ModelRegistryErrorCode.InvalidEmbedding, `embedding of item ${itemId} (encoder ${encoderVersion}) has value ${embedding[bad]} at index ${bad}, not a finite Float32`);
    }
    await this.embeddings.save({ itemId, encoderVersion, embedding: values });
  }

  /** The embedded catalog now, for a plan with a content tower of width `contentDim`; refuses one that could not train it. */
  async snapshot(planId: string, contentDim: number): Promise<CatalogSnapshot> {
    const order = await this.embeddings.encoderOrder();
    const all = await this.embeddings.all();
    const rank = (encoderVersion: string) => order.get(encoderVersion) ?? 0;
    const newest = all.reduce<string | null>((best, item) => (best === null || rank(item.encoderVersion) > rank(best) ? item.encoderVersion : best), null);
    const items = all.filter((item) => item.encoderVersion === newest).sort((a, b) => (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
    if (newest === null || items.length < 2) {
      throw new ModelRegistryError(
        ModelRegistryErrorCode.PlanNotTrainable,
        `plan ${planId} has a content tower, but ${items.length} catalog item(s) are embedded${newest === null ? '' : ` by the newest encoder (${newest})`}; at least 2 are needed: let the encoder embed the catalog, then define the plan again`,
      );
    }
    const width = items[0]!.embedding.length;
    if (width !== contentDim || items.some((item) => item.embedding.length !== width)) {
      throw new ModelRegistryError(
        ModelRegistryErrorCode.PlanNotTrainable,
        `plan ${planId} asks for a content tower of width ${contentDim}; the catalog embedded by encoder ${newest} has width ${width}: define the plan with contentDim ${width}`,
      );
    }
    const content = new Float32Array(items.length * width);
    items.forEach((item, row) => content.set(item.embedding, row * width));
    this.logger.log({ planId, encoderVersion: newest, items: items.length, skipped: all.length - items.length }, 'catalog snapshot taken for a content plan');
    return { encoderVersion: newest, itemIds: items.map((item) => item.itemId), content };
  }
}
