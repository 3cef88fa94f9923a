/** Catalog events: items pushed by commerce backends, and their embeddings from the encoder. */
import { z } from 'zod';
import { BlobRef } from '../blob-ref';
import { ItemId } from '../ids';
import { TOPICS } from '../topics';
import { defineEvent } from './define-event';

export const CatalogItemUpserted = defineEvent({
  type: 'CatalogItemUpserted',
  version: 1,
  topic: TOPICS.catalogItemUpserted,
  payload: z.object({
    itemId: ItemId,
    title: z.string().min(1).max(512),
    description: z.string().max(8192).optional(),
    category: z.string().max(256).optional(),
    image: BlobRef.optional(),
  }),
  keyOf: (p) => p.itemId,
});

export const CatalogItemEmbedded = defineEvent({
  type: 'CatalogItemEmbedded',
  version: 1,
  topic: TOPICS.catalogItemEmbedded,
  payload: z.object({
    itemId: ItemId,
    encoderVersion: z.string().min(1).max(128),
    embedding: z.array(z.number()).min(1).max(4096),
  }),
  keyOf: (p) => p.itemId,
});
