/** The placeholder item-popularity model: the artifact format the round trains. */
import { z } from 'zod';
import { ItemId } from '../ids';

export const PopularityModelArtifact = z.object({
  format: z.literal('item-popularity-v1'),
  itemIds: z.array(ItemId).min(1),
  /** Softmax logits, one per item, same order as itemIds. */
  logits: z.array(z.number()),
});
export type PopularityModelArtifact = z.infer<typeof PopularityModelArtifact>;
