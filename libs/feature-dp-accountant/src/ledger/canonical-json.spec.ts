import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units at every depth and drops whitespace', () => {
    // By UTF-16 code units: "1" (0031) < "a" < "b" < "ö" (00F6) < "€" (20AC) < "😀" (surrogates D83D DE00).
    const value = { b: [3, { z: 1, a: 2 }], a: 'x', '\u20ac': 1, '\u00f6': 2, '\ud83d\ude00': 3, '1': 0 };
    expect(canonicalJson(value)).toBe('{"1":0,"a":"x","b":[3,{"a":2,"z":1}],"ö":2,"€":1,"😀":3}');
  });

  it('writes numbers in their shortest round-trip form (RFC 8785 Appendix B samples)', () => {
    expect(canonicalJson([0.3, 1e-7, 1e21, 123456789012345680000, -0, 333333333.3333333, 4.5, 2e-3, 0.000001])).toBe(
      '[0.3,1e-7,1e+21,123456789012345680000,0,333333333.3333333,4.5,0.002,0.000001]',
    );
  });

  it('refuses values JSON cannot carry exactly', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/no JSON form/);
    expect(() => canonicalJson({ a: Infinity })).toThrow(/no JSON form/);
    expect(() => canonicalJson([undefined])).toThrow(/undefined/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
  });

  it('is the same string for any member order, and parses back to the same data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const shuffled = JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)));
        const canonical = canonicalJson(value);
        expect(canonicalJson(shuffled)).toBe(canonical);
        expect(JSON.parse(canonical)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
