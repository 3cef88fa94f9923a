/** H_{k,n} is k-regular, symmetric and irreflexive; bitmaps round-trip. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitmapHas, bitmapIsCanonical, bitmapOf, neighbourPositions } from './harary-graph';

describe('Harary graph H_{k,n}', () => {
  it('is k-regular, symmetric and irreflexive', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 60 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: Math.floor((n - 2) / 2) }).map((h) => 2 * h)).filter(([nn, k]) => k < nn - 1)), ([n, k]) => {
        const adjacency = Array.from({ length: n }, (_, p) => new Set(neighbourPositions(p, n, k)));
        return adjacency.every((ns, p) => ns.size === k && !ns.has(p) && [...ns].every((q) => adjacency[q]!.has(p)));
      }),
    );
  });

  it('k = n − 1 is the complete graph', () => {
    expect(neighbourPositions(2, 5, 4).sort()).toEqual([0, 1, 3, 4]);
    expect(neighbourPositions(0, 4, 3).sort()).toEqual([1, 2, 3]);
  });

  it('bitmaps round-trip and reject stray bits', () => {
    const b = bitmapOf(11, (p) => p % 3 === 0);
    expect([...Array(11).keys()].filter((p) => bitmapHas(b, p))).toEqual([0, 3, 6, 9]);
    expect(bitmapIsCanonical(b, 11)).toBe(true);
    const stray = b.slice();
    stray[1]! |= 0x80;
    expect(bitmapIsCanonical(stray, 11)).toBe(false);
    expect(bitmapIsCanonical(b, 17)).toBe(false);
  });
});
