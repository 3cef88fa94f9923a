/**
 * The body limits recommendation-serving's routes need, for the app's CohortCommonModule (and
 * standalone mode's, through `combineHttpOptions`): the catalog API takes base64 images in JSON,
 * so `PUT /v1/catalog/items/{itemId}` gets CATALOG_JSON_LIMIT; every other route keeps the 1 MiB
 * default. Larger bodies are answered 413.
 */
import { RequestMethod } from '@nestjs/common';
import type { CohortHttpOptions } from '@cohort/nest-common';
import { CATALOG_JSON_LIMIT } from './catalog/catalog-image';

export const CATALOG_ITEM_ROUTE = { path: 'v1/catalog/items/:itemId', method: RequestMethod.PUT };

export const RECOMMENDATION_SERVING_HTTP_OPTIONS: CohortHttpOptions = {
  jsonRoutes: [{ routes: [CATALOG_ITEM_ROUTE], limit: CATALOG_JSON_LIMIT }],
};
