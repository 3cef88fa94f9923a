/**
 * Canonical JSON (the JSON Canonicalization Scheme, RFC 8785, for the values a ledger entry holds):
 * object members sorted by their names' UTF-16 code units, no insignificant whitespace, strings
 * and numbers written exactly as ECMAScript's JSON.stringify writes them (numbers in their shortest
 * round-trip form, so `0.3` stays `0.3` and `1e-7` stays `1e-7`).
 *
 * Invariant: two values that are equal as JSON data give the same string, whatever the order of
 * their members; a value JSON cannot carry exactly (NaN, ±Infinity, undefined in an array, a
 * function, a bigint) is refused rather than silently changed.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value); // -0 → "0", as RFC 8785 requires
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((item, index) => {
          if (item === undefined) throw new TypeError(`canonicalJson: array element ${index} is undefined`);
          return canonicalJson(item);
        }).join(',')}]`;
      }
      return `{${Object.keys(value)
        .filter((name) => (value as Record<string, unknown>)[name] !== undefined)
        .sort()
        .map((name) => `${JSON.stringify(name)}:${canonicalJson((value as Record<string, unknown>)[name])}`)
        .join(',')}}`;
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}
