/**
 * The Harary graph H_{k,n} on ring positions 0..n−1 (Harary, "The Maximum Connectivity of a
 * Graph", PNAS 1962): for even k, position p is joined to p ± 1, …, p ± k/2 (mod n); k = n − 1 is the
 * complete graph. SecAgg+ uses it as the "who holds whose shares and masks with whom" graph
 * (Bell et al. CCS 2020, §4; clients take uniformly random positions).
 *
 * Invariant: the relation is symmetric and irreflexive, and every position has exactly k
 * neighbours (harary-graph.spec.ts).
 */

export function neighbourPositions(position: number, ringSize: number, degree: number): number[] {
  const out: number[] = [];
  if (degree >= ringSize - 1) {
    for (let q = 0; q < ringSize; q++) if (q !== position) out.push(q);
    return out;
  }
  const half = degree / 2;
  for (let offset = 1; offset <= half; offset++) {
    out.push((position + offset) % ringSize, (position - offset + ringSize) % ringSize);
  }
  return out;
}

export function bitmapLength(ringSize: number): number {
  return (ringSize + 7) >>> 3;
}

export function bitmapHas(bitmap: Uint8Array, position: number): boolean {
  return ((bitmap[position >>> 3]! >>> (position & 7)) & 1) === 1;
}

export function bitmapOf(ringSize: number, has: (position: number) => boolean): Uint8Array {
  const out = new Uint8Array(bitmapLength(ringSize));
  for (let p = 0; p < ringSize; p++) if (has(p)) out[p >>> 3]! |= 1 << (p & 7);
  return out;
}

/** True iff no bit at or beyond `ringSize` is set (a canonical bitmap). */
export function bitmapIsCanonical(bitmap: Uint8Array, ringSize: number): boolean {
  if (bitmap.length !== bitmapLength(ringSize)) return false;
  const spare = ringSize & 7;
  return spare === 0 || bitmap[bitmap.length - 1]! >>> spare === 0;
}
