/**
 * Word arithmetic mod 2^b on Uint32Array, b ≤ 32.
 *
 * All sums are computed mod 2^32 (a Uint32Array store wraps) and reduced to b bits only where a
 * value leaves the library (a masked input, the released sum). Reduction mod 2^b is a ring
 * homomorphism from Z/2^32, so reducing once at the end equals reducing after every step.
 * Invariant: these loops allocate nothing; the server's running sum stays one O(d) buffer.
 */

/** acc ← acc + x (mod 2^32). */
export function addInto(acc: Uint32Array, x: Uint32Array): void {
  const n = acc.length;
  for (let i = 0; i < n; i++) acc[i] = acc[i]! + x[i]!;
}

/** acc ← acc − x (mod 2^32). */
export function subtractInto(acc: Uint32Array, x: Uint32Array): void {
  const n = acc.length;
  for (let i = 0; i < n; i++) acc[i] = acc[i]! - x[i]!;
}

/** acc ← acc mod 2^b (mask is 2^b − 1). */
export function reduceInto(acc: Uint32Array, mask: number): void {
  if (mask === 0xffffffff) return;
  const n = acc.length;
  for (let i = 0; i < n; i++) acc[i] = acc[i]! & mask;
}

/** True iff every word is < 2^b. */
export function allBelowModulus(words: Uint32Array, mask: number): boolean {
  if (mask === 0xffffffff) return true;
  const n = words.length;
  let bad = 0;
  for (let i = 0; i < n; i++) bad |= words[i]! & ~mask;
  return bad === 0;
}
