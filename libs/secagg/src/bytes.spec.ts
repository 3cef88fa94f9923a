/** Byte helpers: base64 against Node's Buffer, strict decoding, length-prefixed fields, equality. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, encodeFields, fromBase64, toBase64, wordsOf } from './bytes';
import { decodeState, encodeState } from './state-codec';
import { SecAggErrorCode } from './secagg-error';

describe('bytes', () => {
  it('base64 matches Buffer and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const text = toBase64(b);
        expect(text).toBe(Buffer.from(b).toString('base64'));
        expect(fromBase64(text)).toEqual(b);
      }),
    );
  });

  it('base64 decoding is strict', () => {
    for (const bad of ['A', 'AB=C', 'A===', '@@@@', 'AB==AB==', 'AR==']) expect(fromBase64(bad), bad).toBeUndefined();
  });

  it('encodeFields is unambiguous where plain concatenation is not', () => {
    expect(encodeFields('ab', 'c')).not.toEqual(encodeFields('a', 'bc'));
    expect(encodeFields(new Uint8Array([1]), '')).not.toEqual(encodeFields('', new Uint8Array([1])));
  });

  it('constantTimeEqual', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });

  it('wordsOf reads little-endian words, also from an unaligned view', () => {
    const buf = new Uint8Array([9, 1, 0, 0, 0, 2, 0, 0, 0]);
    expect(Array.from(wordsOf(buf.subarray(1)))).toEqual([1, 2]);
  });
});

describe('state codec', () => {
  it('round-trips nested byte and word arrays', () => {
    const value = { a: new Uint8Array([1, 2, 3]), b: [{ c: new Uint32Array([0xffffffff, 7]) }], d: 'x', e: null };
    const back = decodeState<typeof value>(encodeState(value));
    expect(back.a).toEqual(value.a);
    expect(back.b[0]!.c).toEqual(value.b[0]!.c);
    expect(back.d).toBe('x');
  });

  it('refuses corrupt text with CORRUPT_STATE', () => {
    for (const bad of ['{', '{"a":{"$bytes":"@@"}}', '{"a":{"$u32":"AQI="}}']) {
      expect(() => decodeState(bad)).toThrow(expect.objectContaining({ code: SecAggErrorCode.CorruptState }));
    }
  });
});
