/**
 * CatalogItemEmbedded → the item's latest embedding in the embedded catalog, from which content
 * plans take their catalog. Failure policy: retry-then-dlq — items are independent facts, and
 * keeping the latest per item is idempotent (a replay of the compacted topic changes nothing). An
 * embedding of another width or with a value that is not a finite Float32 fails each retry the
 * same way and lands in `cohort.catalog.item-embedded.v1.dlq` with the reason, nothing stored.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { CatalogItemEmbedded } from '@cohort/contracts';
import { CatalogEmbeddingsService } from './catalog-embeddings.service';

@Injectable()
export class CatalogEmbeddedConsumer implements OnModuleInit {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(CatalogEmbeddingsService) private readonly catalog: CatalogEmbeddingsService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(CatalogItemEmbedded, ({ payload }) => this.catalog.record(payload), {
      group: 'model-registry.catalog-embeddings',
      policy: 'retry-then-dlq',
    });
  }
}
