/**
 * The one exception class of @cohort/catalog-data, with a string code per failure kind.
 *
 * Invariant: nothing here returns a partial or silently repaired data set: a source that does not
 * look the way the pinned package version ships it, or a built file whose SHA-256 differs from
 * its manifest, raises a CatalogDataError whose message says what to run.
 */

export enum CatalogDataErrorCode {
  /** An argument is outside its documented domain (the message names the argument). */
  InvalidArgument = 'CATALOG_DATA_INVALID_ARGUMENT',
  /** A source file (CSV, JSON) does not have the shape the pinned package version ships. */
  MalformedSource = 'CATALOG_DATA_MALFORMED_SOURCE',
  /** A built file is missing, has the wrong size, or its SHA-256 differs from the manifest. */
  IntegrityMismatch = 'CATALOG_DATA_INTEGRITY_MISMATCH',
}

export class CatalogDataError extends Error {
  constructor(
    readonly code: CatalogDataErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogDataError';
  }
}

/** Throws an InvalidArgument error naming `name` unless `ok`. */
export function check(ok: boolean, name: string, expectation: string, value: unknown): asserts ok {
  if (!ok) {
    throw new CatalogDataError(CatalogDataErrorCode.InvalidArgument, `${name} must be ${expectation}; got ${String(value)}`);
  }
}
