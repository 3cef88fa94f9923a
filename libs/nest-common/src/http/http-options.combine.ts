/**
 * One process serving several services' routes (standalone mode) takes each route's body limit
 * from the service that owns it: `combineHttpOptions` merges their CohortHttpOptions.
 *
 * Invariants:
 * - per-route JSON limits (`jsonRoutes`) and raw-body routes are kept route by route;
 * - a default (`jsonLimit`) or a raw-body limit that two parts set differently is refused (an
 *   Error naming the field) rather than widened for every route: give it per route instead.
 */
import type { CohortHttpOptions, RouteBodyLimit } from '../common/cohort-common.options';

function single<T>(field: string, values: readonly (T | undefined)[]): T | undefined {
  const set = [...new Set(values.filter((v): v is T => v !== undefined))];
  if (set.length > 1) throw new Error(`combineHttpOptions: ${field} differs between parts (${set.join(', ')}); set it per route`);
  return set[0];
}

export function combineHttpOptions(...parts: readonly CohortHttpOptions[]): CohortHttpOptions {
  const jsonLimit = single('jsonLimit', parts.map((p) => p.jsonLimit));
  const jsonRoutes: RouteBodyLimit[] = parts.flatMap((p) => p.jsonRoutes ?? []);
  const raw = parts.flatMap((p) => (p.rawBody === undefined ? [] : [p.rawBody]));
  const rawLimit = single('rawBody.limit', raw.map((r) => r.limit));
  return {
    ...(jsonLimit === undefined ? {} : { jsonLimit }),
    ...(jsonRoutes.length === 0 ? {} : { jsonRoutes }),
    ...(raw.length === 0 ? {} : { rawBody: { routes: raw.flatMap((r) => r.routes), ...(rawLimit === undefined ? {} : { limit: rawLimit }) } }),
  };
}
