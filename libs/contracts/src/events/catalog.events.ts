/** Catalog events: items pushed by commerce backends, and their embeddings from the encoder. */
import { z } from 'zod';
import { BlobRef } from '../blob-ref';
import { ItemId } from '../ids';
import { TOPICS } from '../topics';
import { defineEvent } from './define-event';

/** Longest inline image (base64 characters: 256 KiB, about 192 KiB of image), well under the 1 MiB event limit. */
export const CATALOG_INLINE_IMAGE_MAX_CHARS = 256 * 1024;

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
    /**
     * A small image carried inline (base64, at most CATALOG_INLINE_IMAGE_MAX_CHARS characters), for
     * producers without access to the blob store; anything larger goes by claim check in `image`.
     * At most one of `image` and `imageData` (added compatibly; older consumers ignore it).
     */
    imageData: z
      .object({
        contentType: z.enum(['image/png', 'image/jpeg']),
        data: z.base64().min(1).max(CATALOG_INLINE_IMAGE_MAX_CHARS),
      })
      .optional(),
  }).refine((p) => p.image === undefined || p.imageData === undefined, { message: 'give the image either by claim check (image) or inline (imageData), not both', path: ['imageData'] }),
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
    /** Which of the item's inputs went into the embedding (added compatibly; absent from older producers). */
    modalities: z.array(z.enum(['text', 'image'])).min(1).max(2).optional(),
  }),
  keyOf: (p) => p.itemId,
});
