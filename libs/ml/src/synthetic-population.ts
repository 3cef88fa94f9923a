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

/**
 * One user's orders: `orders` baskets of 1..maxBasket items, each drawn from the user's
 * preference (two favourite categories weigh 8×, Zipf popularity within a category), and a
 * tendency to buy again what they bought before (each item of a later order repeats an earlier
 * purchase with probability `repeatRate`) — the shape of grocery data, at toy scale.
 */
export function syntheticOrders(catalog: SyntheticCatalog, userSeed: number, orders: number, options: { maxBasket?: number; repeatRate?: number } = {}): number[][] {
  const maxBasket = options.maxBasket ?? 5;
  const repeatRate = options.repeatRate ?? 0.4;
  const random = seededRandom(userSeed);
  const favourite = new Set([Math.floor(random() * catalog.categories), Math.floor(random() * catalog.categories)]);
  const weights = catalog.itemIds.map((_, i) => {
    const rankInCategory = Math.floor(i / catalog.categories) + 1;
    return (favourite.has(catalog.categoryOf[i]!) ? 8 : 1) / rankInCategory;
  });
  const total = weights.reduce((a, b) => a + b, 0);
  const draw = () => {
    let target = random() * total;
    let i = 0;
    while (i < weights.length - 1 && target >= weights[i]!) target -= weights[i++]!;
    return i;
  };
  const bought: number[] = [];
  const history: number[][] = [];
  for (let o = 0; o < orders; o++) {
    const basket = new Set<number>();
    const size = 1 + Math.floor(random() * maxBasket);
    while (basket.size < size) basket.add(bought.length > 0 && random() < repeatRate ? bought[Math.floor(random() * bought.length)]! : draw());
    history.push([...basket]);
    bought.push(...basket);
  }
  return history;
}
