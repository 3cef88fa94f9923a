/**
 * Loads `jose` (ESM only) from this CommonJS code base. `require('jose')` works on Node 20.19+
 * and 22.12+ (require of ES modules), but not on the 22.0–22.11 releases that `engines` still
 * admits, so the library is loaded with a dynamic `import()` — once, on first use — and typed
 * from its declarations.
 */
import type * as Jose from 'jose';

export type JoseModule = typeof Jose;

let loading: Promise<JoseModule> | undefined;

export function loadJose(): Promise<JoseModule> {
  loading ??= import('jose');
  return loading;
}
