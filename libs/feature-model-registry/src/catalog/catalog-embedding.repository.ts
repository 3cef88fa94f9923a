/**
 * The encoder's latest embedding of each catalog item (CatalogItemEmbedded), with the encoder
 * version that produced it, and the order in which encoder versions were first seen (so "the
 * newest encoder" means the one that appeared last, whatever its name).
 * Invariants: one embedding per item id, the latest written (the topic is compacted and ordered
 * per item, so the latest written is the latest published); an encoder's first-seen order is set
 * once, even when two partitions bring it at the same time; every stored value is parsed with its
 * schema on read, so a corrupt one fails loudly.
 */
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ItemId } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore } from '@cohort/state';
import { ModelRegistryError, ModelRegistryErrorCode } from '../versions/model-registry.error';

/** One item's embedding as stored: the Float32 little-endian values, base64 (a quarter of JSON's size). */
const StoredEmbedding = z.object({
  encoderVersion: z.string().min(1),
  values: z.base64(),
});

export interface CatalogEmbedding {
  readonly itemId: ItemId;
  readonly encoderVersion: string;
  readonly embedding: Float32Array;
}

const EMBEDDINGS_KEY = 'registry:catalog:embeddings';
const ENCODERS_KEY = 'registry:catalog:encoders';
const ENCODER_ORDER_KEY = 'registry:catalog:encoders:next';
const encoderSeenKey = (encoderVersion: string) => `registry:catalog:encoder:${encoderVersion}:seen`;

@Injectable()
export class CatalogEmbeddingRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  /** Keeps `embedding` as the item's latest; the encoder's first-seen order is written first, so no item refers to an unordered encoder. */
  async save({ itemId, encoderVersion, embedding }: CatalogEmbedding): Promise<void> {
    if ((await this.store.hashGet(ENCODERS_KEY, encoderVersion)) === null) {
      const order = await this.store.incr(ENCODER_ORDER_KEY);
      await this.store.commit([{ op: 'hashSet', key: ENCODERS_KEY, field: encoderVersion, value: String(order) }], { unlessExists: encoderSeenKey(encoderVersion) });
    }
    const values = Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength).toString('base64');
    await this.store.commit([{ op: 'hashSet', key: EMBEDDINGS_KEY, field: itemId, value: JSON.stringify({ encoderVersion, values }) }]);
  }

  /** Every item's latest embedding, in no particular order. */
  async all(): Promise<CatalogEmbedding[]> {
    const raw = await this.store.hashGetAll(EMBEDDINGS_KEY);
    return Object.entries(raw).map(([itemId, value]) => {
      const parsed = StoredEmbedding.safeParse(JSON.parse(value));
      if (!parsed.success) {
        throw new ModelRegistryError(ModelRegistryErrorCode.CorruptRecord, `the stored embedding of item ${itemId} does not match its schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      }
      const bytes = Buffer.from(parsed.data.values, 'base64');
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return { itemId: ItemId.parse(itemId), encoderVersion: parsed.data.encoderVersion, embedding: new Float32Array(copy.buffer) };
    });
  }

  /** Each encoder version seen, with its first-seen order (1 for the first). */
  async encoderOrder(): Promise<Map<string, number>> {
    const raw = await this.store.hashGetAll(ENCODERS_KEY);
    return new Map(Object.entries(raw).map(([encoderVersion, order]) => [encoderVersion, Number(order)]));
  }
}
