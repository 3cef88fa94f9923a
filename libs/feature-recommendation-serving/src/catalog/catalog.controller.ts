/**
 * `PUT /v1/catalog/items/{itemId}` for commerce backends: JSON `{ title, description?, category?,
 * image?: { contentType: 'image/png' | 'image/jpeg', data: base64 } }`, answered 202 with the
 * event id and the image's claim check. Bad bodies are 400 problem+json naming each field; a body
 * over the JSON limit is 413.
 */
import { Body, Controller, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { CatalogItemPutRequest, ItemId, type CatalogItemPutResponse } from '@cohort/contracts';
import { Roles, ZodValidationPipe } from '@cohort/nest-common';
import { CatalogService } from './catalog.service';

@Controller('v1/catalog/items')
export class CatalogController {
  constructor(@Inject(CatalogService) private readonly catalog: CatalogService) {}

  @Put(':itemId')
  @HttpCode(202)
  @Roles('commerce-backend', 'operator')
  upsert(
    @Param('itemId', new ZodValidationPipe(ItemId)) itemId: ItemId,
    @Body(new ZodValidationPipe(CatalogItemPutRequest)) body: CatalogItemPutRequest,
  ): Promise<CatalogItemPutResponse> {
    return this.catalog.upsert(itemId, body);
  }
}
