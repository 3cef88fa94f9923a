/**
 * Non-cryptographic 32-bit hashing for ids and seeds: FNV-1a over UTF-16 code units, and
 * MurmurHash3's finalizer (a bijection on uint32 in which every input bit affects every output
 * bit). Simulation and hashed embeddings only, never security.
 */

/** FNV-1a (32-bit) of `text`'s UTF-16 code units. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's 32-bit finalizer. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
