/**
 * Catalog pushes from commerce backends: the image bytes go to the blob store (content-addressed,
 * so pushing the same image twice stores it once) and the item goes on the catalog topic as
 * CatalogItemUpserted carrying the image's claim check; inference-worker embeds it from there.
 * Nothing is stored here: the compacted topic, keyed by item id, is the catalog's record.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { CatalogItemUpserted, type BlobRef, type CatalogItemPutRequest, type CatalogItemPutResponse, type ItemId } from '@cohort/contracts';
import { RequestError, RequestErrorCode } from '@cohort/nest-common';
import { imageProblem } from './catalog-image';

@Injectable()
export class CatalogService {
  private readonly logger = new Logger(CatalogService.name);

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  async upsert(itemId: ItemId, item: CatalogItemPutRequest): Promise<CatalogItemPutResponse> {
    let image: BlobRef | undefined;
    if (item.image !== undefined) {
      const bytes = new Uint8Array(Buffer.from(item.image.data, 'base64'));
      const problem = imageProblem(bytes, item.image.contentType);
      if (problem !== undefined) {
        throw new RequestError(RequestErrorCode.ValidationFailed, `Invalid body: image.data: ${problem}`, { errors: [{ field: 'image.data', message: problem }] });
      }
      image = await this.blobs.put(bytes, item.image.contentType);
    }
    const envelope = await this.bus.publish(CatalogItemUpserted, {
      itemId,
      title: item.title,
      ...(item.description === undefined ? {} : { description: item.description }),
      ...(item.category === undefined ? {} : { category: item.category }),
      ...(image === undefined ? {} : { image }),
    });
    this.logger.log({ itemId, eventId: envelope.eventId, imageBytes: image?.byteLength ?? 0 }, 'catalog item upserted');
    return { itemId, eventId: envelope.eventId, ...(image === undefined ? {} : { image }) };
  }
}
