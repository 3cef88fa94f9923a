import { describe, expect, it } from 'vitest';
import { type Superstore } from './superstore';
import { generateSyntheticPopulation, populationBytes, populationModelFromSuperstore, userAffinity, userHistory } from './synthetic-population';

// A hand-made log: 4 products, 3 customers, 6 order lines.
//   c1: P1, P1, P3    c2: P2, P4    c3: P4
// Furniture lines: P1 ×2, P2, P3 = 4 of 6; Office Supplies: P4 ×2 = 2 of 6.
// Sub-categories (sorted): Chairs (P1 ×2, P2) 3/6, Paper (P4 ×2) 2/6, Tables (P3) 1/6.
const product = (productId: string, category: string, subCategory: string) => ({ productId, name: productId, alternateNames: [], category, subCategory });
const line = (customerId: string, productId: string) => ({
  rowId: 0,
  orderId: 'o',
  orderDate: '2016-01-01',
  customerId,
  segment: 'Consumer',
  region: 'South',
  productId,
  quantity: 1,
  sales: 1,
  discount: 0,
  profit: 0,
});
const toy: Superstore = {
  products: [product('P1', 'Furniture', 'Chairs'), product('P2', 'Furniture', 'Chairs'), product('P3', 'Furniture', 'Tables'), product('P4', 'Office Supplies', 'Paper')],
  interactions: [line('c1', 'P1'), line('c1', 'P1'), line('c1', 'P3'), line('c2', 'P2'), line('c2', 'P4'), line('c3', 'P4')],
};
const model = populationModelFromSuperstore(toy);

describe('population model from the real log', () => {
  it('estimates shares and history lengths as worked out above', () => {
    expect(model.categories).toEqual(['Furniture', 'Office Supplies']);
    expect(model.subCategories).toEqual(['Chairs', 'Paper', 'Tables']);
    expect(Array.from(model.categoryShare)).toEqual([expect.closeTo(4 / 6, 12), expect.closeTo(2 / 6, 12)]);
    expect(Array.from(model.subCategoryShare)).toEqual([expect.closeTo(3 / 6, 12), expect.closeTo(2 / 6, 12), expect.closeTo(1 / 6, 12)]);
    expect(Array.from(model.historyLengths)).toEqual([1, 2, 3]);
    expect(Array.from(model.categoryOfSubCategory)).toEqual([0, 1, 0]);
  });
});

describe('synthetic population', () => {
  const users = 20_000;
  const population = generateSyntheticPopulation(model, { users, seed: 1 });

  it('is reproducible from the seed, and user u does not depend on the population size', () => {
    const again = generateSyntheticPopulation(model, { users, seed: 1 });
    expect(again.historyItems).toEqual(population.historyItems);
    expect(again.subCategoryAffinity).toEqual(population.subCategoryAffinity);
    expect(generateSyntheticPopulation(model, { users: 50, seed: 2 }).historyItems).not.toEqual(
      generateSyntheticPopulation(model, { users: 50, seed: 1 }).historyItems,
    );
    const shard = generateSyntheticPopulation(model, { users: 10, seed: 1, firstUser: 500 });
    for (let n = 0; n < 10; n++) {
      expect(userHistory(shard, n)).toEqual(userHistory(population, 500 + n));
      expect(userAffinity(shard, n)).toEqual(userAffinity(population, 500 + n));
    }
  });

  it('draws affinities around the real sub-category shares', () => {
    const S = 3;
    const mean = [0, 0, 0];
    for (let n = 0; n < users; n++) {
      const theta = userAffinity(population, n);
      expect(theta[0] + theta[1] + theta[2]).toBeCloseTo(1, 5);
      for (let s = 0; s < S; s++) mean[s] += theta[s] / users;
    }
    expect(mean[0]).toBeCloseTo(3 / 6, 2);
    expect(mean[1]).toBeCloseTo(2 / 6, 2);
    expect(mean[2]).toBeCloseTo(1 / 6, 2);
    // Paper is Office Supplies' only sub-category, so θ_Paper = a_Office ~ Beta(αc·1/3, αc·2/3):
    // Var = (1/3)(2/3)/(αc + 1) = (2/9)/5 with the default αc = 4.
    let variance = 0;
    for (let n = 0; n < users; n++) variance += (userAffinity(population, n)[1] - mean[1]) ** 2 / (users - 1);
    expect(variance / (2 / 9 / 5)).toBeGreaterThan(0.9);
    expect(variance / (2 / 9 / 5)).toBeLessThan(1.1);
  });

  it('buys real products in the real proportions, with real history lengths', () => {
    // History length uniform over {1, 2, 3}: mean 2.  Chairs hold half of all purchases, and
    // within Chairs P1 has 2 of the 3 real lines.
    const counts = [0, 0, 0, 0];
    for (const item of population.historyItems) counts[item]++;
    const total = population.historyItems.length;
    expect(total / users).toBeCloseTo(2, 1);
    for (let n = 0; n < users; n++) expect([1, 2, 3]).toContain(userHistory(population, n).length);
    expect((counts[0] + counts[1]) / total).toBeCloseTo(3 / 6, 1);
    expect(counts[0] / (counts[0] + counts[1])).toBeCloseTo(2 / 3, 1);
    expect(counts[3] / total).toBeCloseTo(2 / 6, 1);
  });

  it('keeps users closer to the real shares as the concentration grows', () => {
    const spread = (alpha: number) => {
      const p = generateSyntheticPopulation(model, { users: 4000, seed: 3, categoryConcentration: alpha, subCategoryConcentration: alpha });
      let v = 0;
      for (let n = 0; n < p.users; n++) v += (userAffinity(p, n)[0] - 0.5) ** 2;
      return v / p.users;
    };
    expect(spread(100)).toBeLessThan(spread(1) / 10);
  });

  it('is compact: typed arrays only, a few bytes per purchase', () => {
    // 20 000 × 3 affinities × 4 B + 20 001 offsets × 4 B + ~40 000 purchases × 2 B ≈ 0.4 MB.
    expect(populationBytes(population)).toBe(users * 3 * 4 + (users + 1) * 4 + population.historyItems.length * 2);
    expect(populationBytes(population)).toBeLessThan(500_000);
  });

  it('rejects nonsense options by name', () => {
    expect(() => generateSyntheticPopulation(model, { users: 0, seed: 1 })).toThrow(/users must be an integer >= 1/);
    expect(() => generateSyntheticPopulation(model, { users: 1, seed: 1.5 })).toThrow(/seed/);
    expect(() => generateSyntheticPopulation(model, { users: 1, seed: 1, categoryConcentration: 0 })).toThrow(/categoryConcentration/);
  });
});
