/**
 * JSON form of client and server state (and of messages): plain JSON where every Uint8Array is
 * `{"$bytes": base64}` and every Uint32Array `{"$u32": base64 of its little-endian bytes}`. The
 * service keeps server state in Redis between stages with it.
 *
 * Invariant: decode(encode(x)) is deep-equal to x for every state the library produces; a text
 * that is not such an encoding throws SecAggError(CORRUPT_STATE) instead of yielding a half-state.
 */
import { bytesOf, fromBase64, toBase64 } from './bytes';
import { SecAggError, SecAggErrorCode } from './secagg-error';

export function encodeState(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint32Array) return { $u32: toBase64(bytesOf(v)) };
    if (v instanceof Uint8Array) return { $bytes: toBase64(v) };
    return v;
  });
}

export function decodeState<T>(text: string): T {
  try {
    return JSON.parse(text, (_key, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const keys = Object.keys(v);
      if (keys.length !== 1) return v;
      const record = v as Record<string, unknown>;
      if (typeof record.$bytes === 'string') return decode(record.$bytes);
      if (typeof record.$u32 === 'string') {
        const bytes = decode(record.$u32);
        if (bytes.length % 4 !== 0) throw new Error('a $u32 field is not a whole number of words');
        return new Uint32Array(bytes.buffer, 0, bytes.length / 4);
      }
      return v;
    }) as T;
  } catch (error) {
    throw new SecAggError(SecAggErrorCode.CorruptState, `state does not decode: ${(error as Error).message}`);
  }
}

function decode(text: string): Uint8Array {
  const bytes = fromBase64(text);
  if (!bytes) throw new Error('invalid base64');
  return bytes;
}
