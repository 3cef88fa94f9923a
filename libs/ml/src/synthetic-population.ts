/**
 * A seeded synthetic catalog and population for simulations: items fall into categories, every
 * user prefers a few categories, and item popularity within a category is Zipf-distributed. Same
 * seed, same population, so runs and tests are reproducible. (The real Superstore and
 * Fashion-MNIST data replace this for evaluation; see the data issue.)
 */

/** mulberry32: a small, fast, seedable PRNG for simulation only — never for cryptography. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticCatalog {
  readonly itemIds: string[];
  readonly categoryOf: number[];
  readonly categories: number;
}

export function syntheticCatalog(items: number, categories: number): SyntheticCatalog {
  if (!Number.isInteger(items) || items < 1) throw new RangeError(`items must be a positive integer, got ${items}`);
  if (!Number.isInteger(categories) || categories < 1 || categories > items) {
    throw new RangeError(`categories must be an integer in [1, items], got ${categories}`);
  }
  const itemIds = Array.from({ length: items }, (_, i) => `item-${String(i).padStart(5, '0')}`);
  return { itemIds, categoryOf: itemIds.map((_, i) => i % categories), categories };
}

/** Item counts of one user's history: `interactions` draws from the user's preference. */
export function syntheticHistory(catalog: SyntheticCatalog, userSeed: number, interactions: number): Float32Array {
  const random = seededRandom(userSeed);
  const favourite = new Set([Math.floor(random() * catalog.categories), Math.floor(random() * catalog.categories)]);
  const weights = catalog.itemIds.map((_, i) => {
    const rankInCategory = Math.floor(i / catalog.categories) + 1;
    return (favourite.has(catalog.categoryOf[i]) ? 8 : 1) / rankInCategory;
  });
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = new Float32Array(catalog.itemIds.length);
  for (let n = 0; n < interactions; n++) {
    let target = random() * total;
    let i = 0;
    while (i < weights.length - 1 && target >= weights[i]) target -= weights[i++];
    counts[i] += 1;
  }
  return counts;
}
