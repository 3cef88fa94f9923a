/**
 * The text of a catalog item that the encoder reads: title, category and description, in that
 * order, one per line, the blank ones left out. Exported so that tests and the benchmark feed the
 * encoder exactly what the consumer feeds it.
 */
import type { CatalogItemUpserted, PayloadOf } from '@cohort/contracts';

export function catalogItemText(item: Pick<PayloadOf<typeof CatalogItemUpserted>, 'title' | 'category' | 'description'>): string {
  return [item.title, item.category, item.description]
    .filter((part): part is string => part !== undefined && part.trim().length > 0)
    .map((part) => part.trim())
    .join('\n');
}
