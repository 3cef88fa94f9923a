/**
 * @cohort/contracts — the only home of wire types: event envelopes and payloads, topic names,
 * HTTP bodies. Pure: no framework, no I/O.
 *
 * Evolution rules (hold them, or consumers break in production):
 * 1. Never remove, rename or repurpose a field of a published schema.
 * 2. New optional fields may be added to an existing version; consumers ignore what they do not know
 *    (object schemas are not `.strict()` for events).
 * 3. A breaking change is a new event version on a new topic (`...v2`), published side by side
 *    with the old one until every consumer has moved.
 * 4. Events are past-tense facts; their key is the entity whose order matters.
 * 5. Large payloads travel by claim check (`BlobRef`), never inline.
 */
export * from './ids';
export * from './blob-ref';
export * from './envelope';
export * from './topics';
export * from './decode';
export * from './events/index';
export * from './http/recommendations.http';
export * from './http/devices.http';
export * from './http/problem.http';
export * from './http/model.http';
export * from './http/plans.http';
export * from './http/privacy.http';
export * from './http/catalog.http';
export * from './http/secagg.http';
