/**
 * Sampled negatives for the sampled metrics: items the user never bought in any order (context or
 * held-out), drawn uniformly without replacement from the catalog by a partial Fisher–Yates
 * shuffle of the never-bought items, with a caller-supplied [0, 1) source. `userRandom` derives
 * that source from (seed, userIndex) so a device can draw its user's negatives alone and get the
 * same ones the server-side benchmark would.
 *
 * Invariant: a negative is never an item of the user's history, never repeats, and lies in
 * [0, itemCount). When fewer than `count` items were never bought, all of them are returned.
 */
import { fmix32 } from '../hashing';
import { seededRandom } from '../synthetic-population';
import { type PurchaseHistory } from './purchase-history';

const UINT32_RANGE = 2 ** 32;

/**
 * A deterministic [0, 1) stream for user `userIndex` under `seed` (mulberry32 seeded with
 * fmix32(seed ⊕ fmix32(userIndex + golden))). For a fixed seed the map userIndex → stream seed is
 * a bijection, so no two users share a stream seed. Simulation only, never cryptography.
 */
export function userRandom(seed: number, userIndex: number): () => number {
  if (!Number.isInteger(seed) || seed < 0 || seed >= UINT32_RANGE) throw new RangeError(`seed must be an integer in [0, 2^32); got ${seed}`);
  if (!Number.isInteger(userIndex) || userIndex < 0 || userIndex >= UINT32_RANGE) {
    throw new RangeError(`userIndex must be an integer in [0, 2^32); got ${userIndex}`);
  }
  return seededRandom(fmix32(seed ^ fmix32(userIndex + 0x9e3779b9)));
}

/**
 * Up to `count` distinct items that appear in none of `history`'s orders, uniform over the
 * never-bought items. Draws `count` values from `random` when more than `count` items qualify,
 * none otherwise (then every never-bought item is returned, in index order).
 * `history` must already be valid for `itemCount` (see checkHistory).
 */
export function sampleNegatives(history: PurchaseHistory, itemCount: number, count: number, random: () => number): Int32Array {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer; got ${count}`);
  const bought = new Uint8Array(itemCount);
  for (const order of history.orders) for (let j = 0; j < order.length; j++) bought[order[j]] = 1;
  let available = 0;
  for (let i = 0; i < itemCount; i++) available += 1 - bought[i];
  const pool = new Int32Array(available);
  for (let i = 0, n = 0; i < itemCount; i++) if (bought[i] === 0) pool[n++] = i;
  if (available <= count) return pool;
  for (let i = 0; i < count; i++) {
    const u = random();
    if (!(u >= 0 && u < 1)) throw new RangeError(`random must return numbers in [0, 1); got ${u}`);
    const j = i + Math.floor(u * (available - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, count);
}
