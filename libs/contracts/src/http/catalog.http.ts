/**
 * The catalog's HTTP bodies:
 * - `PUT /v1/catalog/items/{itemId}` on recommendation-serving, called by commerce backends;
 * - `POST /v1/embed` on inference-worker, the query-time item encoder.
 * Images travel base64-encoded inside JSON (or as the raw bytes of `POST /v1/embed/image`); each
 * service bounds their decoded size itself (its JSON body limit and its image limit).
 */
import { z } from 'zod';
import { BlobRef } from '../blob-ref';
import { ItemId } from '../ids';

/** Image formats the item encoder decodes. */
export const CATALOG_IMAGE_CONTENT_TYPES = ['image/png', 'image/jpeg'] as const;
export type CatalogImageContentType = (typeof CATALOG_IMAGE_CONTENT_TYPES)[number];

/** Longest item text accepted for encoding (characters); the tokenizer truncates long ones anyway. */
export const EMBED_MAX_TEXT_CHARS = 8192;

const notBlank = (what: string) => ({ message: `${what} must not be empty or only whitespace` });
const hasText = (value: string) => value.trim().length > 0;

export const CatalogItemPutRequest = z
  .object({
    title: z.string().max(512).refine(hasText, notBlank('title')),
    description: z.string().max(8192).optional(),
    category: z.string().max(256).optional(),
    image: z
      .object({
        contentType: z.enum(CATALOG_IMAGE_CONTENT_TYPES),
        /** The image file's bytes, base64 (RFC 4648 §4). */
        data: z.base64().min(1, 'image.data must not be empty'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type CatalogItemPutRequest = z.infer<typeof CatalogItemPutRequest>;

/** 202: the item is on the catalog topic; its embedding follows asynchronously. */
export const CatalogItemPutResponse = z.object({
  itemId: ItemId,
  /** The CatalogItemUpserted event that carries it. */
  eventId: z.string(),
  /** Where the image bytes were stored (claim check), when the item has an image. */
  image: BlobRef.optional(),
});
export type CatalogItemPutResponse = z.infer<typeof CatalogItemPutResponse>;

export const EmbedRequest = z
  .object({
    text: z
      .string()
      .max(EMBED_MAX_TEXT_CHARS)
      .refine(hasText, notBlank('text'))
      .optional(),
    /** A PNG or JPEG file, base64 (RFC 4648 §4). */
    image: z.base64().min(1, 'image must not be empty').optional(),
  })
  .strict()
  .refine((body) => body.text !== undefined || body.image !== undefined, { message: 'give text, image or both' });
export type EmbedRequest = z.infer<typeof EmbedRequest>;

export const EmbedResponse = z.object({
  encoderVersion: z.string(),
  dimension: z.number().int().positive(),
  /** Which inputs went into the embedding. */
  modalities: z.array(z.enum(['text', 'image'])),
  embedding: z.array(z.number()),
});
export type EmbedResponse = z.infer<typeof EmbedResponse>;
