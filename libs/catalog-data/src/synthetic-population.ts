/**
 * A seeded synthetic shopper population over the real Superstore catalog, for scale and DP
 * experiments far beyond Superstore's 793 customers (100 000+ users).
 *
 * Model (every parameter estimated from the real order log by `populationModelFromSuperstore`):
 *  - category affinity of a user  a ~ Dirichlet(αc · p_cat), p_cat = the categories' shares of
 *    real order lines;
 *  - sub-category affinity within each category  b_c ~ Dirichlet(αs · p_sub|cat), from the real
 *    line shares within the category; the user's affinity for sub-category s is θ_s = a_c(s) · b_s,
 *    so E[θ_s] = p_s, the real line share of s ("drawn around the real popularity");
 *  - history length L: a real customer's number of order lines, drawn uniformly among the real
 *    customers (the empirical distribution, 1–37 lines in 3.2.0);
 *  - each of the L purchases: sub-category s ~ θ, then a product within s with probability
 *    proportional to its real number of order lines (every product has at least one).
 * Larger α keeps users closer to the real popularity; smaller α makes them more particular.
 *
 * Determinism: user u is drawn from stream (seed, u) alone, so the same seed gives the same
 * population, user u is the same in a population of 10 or of 10⁶, and any range of users can be
 * generated on its own (one shard per simulator process).
 *
 * Compact form: affinities as Float32 (users × sub-categories) and histories as product indices
 * (Uint16, indices into `model.productIds`) in CSR form — about 70 + 2·L bytes per user with the
 * 17 sub-categories of Superstore, i.e. under 10 MB for 100 000 users.
 */
import { check } from './catalog-data-error';
import { dirichletInto, sampleCumulative, sampleLinear, seededStream } from './random';
import { type Superstore } from './superstore';

export interface PopulationModel {
  /** Product ids; a history holds indices into this array. */
  readonly productIds: readonly string[];
  readonly categories: readonly string[];
  readonly subCategories: readonly string[];
  /** Category index of every sub-category. */
  readonly categoryOfSubCategory: Uint8Array;
  /** Sub-category index of every product. */
  readonly subCategoryOfProduct: Uint8Array;
  /** Share of real order lines per category / per sub-category (each sums to 1). */
  readonly categoryShare: Float64Array;
  readonly subCategoryShare: Float64Array;
  /** Products grouped by sub-category: productsBySubCategory[subCategoryStart[s] .. subCategoryStart[s + 1]). */
  readonly productsBySubCategory: Uint16Array;
  readonly subCategoryStart: Uint32Array;
  /** Running sum of the real line counts of productsBySubCategory (for sampling within a sub-category). */
  readonly cumulativeProductLines: Float64Array;
  /** Real number of order lines of every real customer (the history-length distribution). */
  readonly historyLengths: Uint16Array;
}

/** Estimates the population model from the real order log. */
export function populationModelFromSuperstore(data: Superstore): PopulationModel {
  const productIndex = new Map(data.products.map((p, i) => [p.productId, i]));
  check(data.products.length <= 65_536, 'data.products.length', '<= 65536 (histories are Uint16)', data.products.length);
  const subCategories = [...new Set(data.products.map((p) => p.subCategory))].sort();
  const categories = [...new Set(data.products.map((p) => p.category))].sort();
  const subIndex = new Map(subCategories.map((s, i) => [s, i]));
  const categoryOfSubCategory = new Uint8Array(subCategories.length);
  const subCategoryOfProduct = Uint8Array.from(data.products, (p) => {
    const s = subIndex.get(p.subCategory)!;
    categoryOfSubCategory[s] = categories.indexOf(p.category);
    return s;
  });
  const productLines = new Float64Array(data.products.length);
  const linesPerCustomer = new Map<string, number>();
  for (const line of data.interactions) {
    const p = productIndex.get(line.productId);
    check(p !== undefined, 'interaction.productId', 'a known product', line.productId);
    productLines[p]++;
    linesPerCustomer.set(line.customerId, (linesPerCustomer.get(line.customerId) ?? 0) + 1);
  }
  const subCategoryShare = new Float64Array(subCategories.length);
  const categoryShare = new Float64Array(categories.length);
  productLines.forEach((n, p) => {
    subCategoryShare[subCategoryOfProduct[p]] += n / data.interactions.length;
    categoryShare[categoryOfSubCategory[subCategoryOfProduct[p]]] += n / data.interactions.length;
  });
  const order = [...data.products.keys()].sort((a, b) => subCategoryOfProduct[a] - subCategoryOfProduct[b] || a - b);
  const productsBySubCategory = Uint16Array.from(order);
  const subCategoryStart = new Uint32Array(subCategories.length + 1);
  for (const p of order) subCategoryStart[subCategoryOfProduct[p] + 1]++;
  for (let s = 0; s < subCategories.length; s++) subCategoryStart[s + 1] += subCategoryStart[s];
  const cumulativeProductLines = new Float64Array(order.length);
  let running = 0;
  order.forEach((p, i) => (cumulativeProductLines[i] = running += productLines[p]));
  return {
    productIds: data.products.map((p) => p.productId),
    categories,
    subCategories,
    categoryOfSubCategory,
    subCategoryOfProduct,
    categoryShare,
    subCategoryShare,
    productsBySubCategory,
    subCategoryStart,
    cumulativeProductLines,
    historyLengths: Uint16Array.from([...linesPerCustomer.values()].sort((a, b) => a - b)),
  };
}

export interface SyntheticPopulationOptions {
  readonly users: number;
  readonly seed: number;
  /** αc: concentration of the category affinity around the real category shares. Default 4. */
  readonly categoryConcentration?: number;
  /** αs: concentration of the sub-category affinity within a category. Default 4. */
  readonly subCategoryConcentration?: number;
  /** First user index (default 0): generate users [firstUser, firstUser + users) of the same population. */
  readonly firstUser?: number;
}

export interface SyntheticPopulation {
  readonly model: PopulationModel;
  readonly seed: number;
  readonly firstUser: number;
  readonly users: number;
  /** users × subCategories, row-major: θ of each user. */
  readonly subCategoryAffinity: Float32Array;
  /** CSR: user u's purchases are historyItems[historyOffsets[u] .. historyOffsets[u + 1]). */
  readonly historyOffsets: Uint32Array;
  readonly historyItems: Uint16Array;
}

export function generateSyntheticPopulation(model: PopulationModel, options: SyntheticPopulationOptions): SyntheticPopulation {
  const { users, seed } = options;
  const firstUser = options.firstUser ?? 0;
  const alphaC = options.categoryConcentration ?? 4;
  const alphaS = options.subCategoryConcentration ?? 4;
  check(Number.isInteger(users) && users >= 1, 'users', 'an integer >= 1', users);
  check(Number.isInteger(seed), 'seed', 'an integer', seed);
  check(Number.isInteger(firstUser) && firstUser >= 0, 'firstUser', 'an integer >= 0', firstUser);
  check(Number.isFinite(alphaC) && alphaC > 0, 'categoryConcentration', 'a finite number > 0', alphaC);
  check(Number.isFinite(alphaS) && alphaS > 0, 'subCategoryConcentration', 'a finite number > 0', alphaS);

  const C = model.categories.length;
  const S = model.subCategories.length;
  const categoryAlpha = Float64Array.from(model.categoryShare, (p) => alphaC * p);
  // Sub-categories of each category, and their Dirichlet parameters.
  const members: number[][] = Array.from({ length: C }, () => []);
  for (let s = 0; s < S; s++) members[model.categoryOfSubCategory[s]].push(s);
  const withinAlpha = members.map((subs) => {
    const share = subs.reduce((a, s) => a + model.subCategoryShare[s], 0);
    return Float64Array.from(subs, (s) => (alphaS * model.subCategoryShare[s]) / share);
  });

  const affinity = new Float32Array(users * S);
  const offsets = new Uint32Array(users + 1);
  let items = new Uint16Array(Math.max(16, users * 16));
  let used = 0;
  const a = new Float64Array(C);
  const b = members.map((subs) => new Float64Array(subs.length));
  const theta = new Float64Array(S);
  for (let n = 0; n < users; n++) {
    const random = seededStream(seed, firstUser + n);
    dirichletInto(categoryAlpha, random, a);
    for (let c = 0; c < C; c++) {
      dirichletInto(withinAlpha[c], random, b[c]);
      members[c].forEach((s, j) => (theta[s] = a[c] * b[c][j]));
    }
    let total = 0;
    for (let s = 0; s < S; s++) {
      affinity[n * S + s] = theta[s];
      total += theta[s];
    }
    const length = model.historyLengths[Math.floor(random() * model.historyLengths.length)];
    if (used + length > items.length) {
      const grown = new Uint16Array(Math.max(items.length * 2, used + length));
      grown.set(items);
      items = grown;
    }
    for (let k = 0; k < length; k++) {
      const s = sampleLinear(theta, total, random);
      const at = sampleCumulative(model.cumulativeProductLines, model.subCategoryStart[s], model.subCategoryStart[s + 1], random);
      items[used++] = model.productsBySubCategory[at];
    }
    offsets[n + 1] = used;
  }
  return {
    model,
    seed,
    firstUser,
    users,
    subCategoryAffinity: affinity,
    historyOffsets: offsets,
    historyItems: items.slice(0, used),
  };
}

/** User n's purchases (product indices into `model.productIds`), a view. */
export function userHistory(population: SyntheticPopulation, n: number): Uint16Array {
  check(Number.isInteger(n) && n >= 0 && n < population.users, 'n', `an integer in [0, ${population.users})`, n);
  return population.historyItems.subarray(population.historyOffsets[n], population.historyOffsets[n + 1]);
}

/** User n's sub-category affinity θ (sums to 1), a view. */
export function userAffinity(population: SyntheticPopulation, n: number): Float32Array {
  check(Number.isInteger(n) && n >= 0 && n < population.users, 'n', `an integer in [0, ${population.users})`, n);
  const S = population.model.subCategories.length;
  return population.subCategoryAffinity.subarray(n * S, (n + 1) * S);
}

/** Bytes held by the population's arrays (not counting the shared model). */
export function populationBytes(population: SyntheticPopulation): number {
  return population.subCategoryAffinity.byteLength + population.historyOffsets.byteLength + population.historyItems.byteLength;
}
