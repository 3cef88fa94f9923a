/** `POST /v1/recommendations` on recommendation-serving, called by commerce backends. */
import { z } from 'zod';
import { ItemId, UserId } from '../ids';
import { PrivacyGuarantee } from '../events/model.events';

export const RecommendationRequest = z
  .object({
    userId: UserId.optional(),
    context: z
      .object({
        recentItemIds: z.array(ItemId).max(1000),
        query: z.string().max(1024).optional(),
      })
      .strict(),
    limit: z.number().int().min(1).max(500),
  })
  .strict();
export type RecommendationRequest = z.infer<typeof RecommendationRequest>;

export const RecommendationResponse = z.object({
  modelVersion: z.string(),
  privacy: PrivacyGuarantee,
  items: z.array(z.object({ itemId: ItemId, score: z.number() })),
});
export type RecommendationResponse = z.infer<typeof RecommendationResponse>;
