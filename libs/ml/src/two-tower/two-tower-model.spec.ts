import { describe, expect, it } from 'vitest';
import { seededRandom } from '../synthetic-population';
import { type TwoTowerConfig } from '@cohort/contracts';
import { itemIdRows } from './catalog-ranker';
import { fnv1a32 } from '../hashing';
import { initTwoTowerParameters, itemIdBuckets, twoTowerLayout } from './layout';
import { TwoTowerModel, type ItemInputs, type TwoTowerLoss } from './two-tower-model';
import { buildUserContext } from './user-context';

const config: TwoTowerConfig = { contentDim: 5, idBuckets: 7, embeddingDim: 4, hiddenDim: 3, poolingDecay: 0.8, recencyDecay: 0.5 };

function fixture(seed: number, cfg: TwoTowerConfig = config) {
  const random = seededRandom(seed);
  const layout = twoTowerLayout(cfg);
  const model = new TwoTowerModel(layout);
  const count = 12;
  const items: ItemInputs = {
    count,
    ...(cfg.contentDim > 0 ? { content: Float32Array.from({ length: count * cfg.contentDim }, () => random() * 2 - 1) } : {}),
    ...(cfg.idBuckets > 0 ? { idBucket: itemIdRows(Array.from({ length: count }, (_, i) => `item-${i}`), cfg.idBuckets) } : {}),
  };
  // Every parameter away from zero, so every path of the gradient (W2, φ, biases) is exercised.
  const params = Float64Array.from({ length: layout.size }, () => (random() * 2 - 1) * 0.7);
  const privateVector = Float64Array.from({ length: cfg.embeddingDim }, () => random() - 0.5);
  const context = buildUserContext([Int32Array.of(0, 1, 2), Int32Array.of(1, 3), Int32Array.of(1, 4, 4)], cfg);
  return { layout, model, items, params, privateVector, context };
}

describe('two-tower layout', () => {
  it('names every block at consecutive offsets and sums to the update dimension', () => {
    const layout = twoTowerLayout(config);
    // 4·5 + 4 + 5  +  7·4 + 7  +  3·4 + 3 + 4·3 + 4  +  3  = 29 + 35 + 31 + 3 = 98
    expect(layout.size).toBe(98);
    expect(layout.blocks.map((b) => [b.name, b.offset, b.size])).toEqual([
      ['item.projection', 0, 20], ['item.projectionBias', 20, 4], ['item.contentBias', 24, 5],
      ['item.idEmbedding', 29, 28], ['item.idBias', 57, 7],
      ['user.hidden.weight', 64, 12], ['user.hidden.bias', 76, 3], ['user.output.weight', 79, 12], ['user.output.bias', 91, 4],
      ['score.features', 95, 3],
    ]);
  });

  it('drops the content blocks for an ID-only plan and refuses a tower with neither', () => {
    expect(twoTowerLayout({ ...config, contentDim: 0 }).offset('item.projection')).toBe(-1);
    expect(() => twoTowerLayout({ ...config, contentDim: 0, idBuckets: 0 })).toThrow(/content .* item ids .* or both/);
  });

  it('initialises deterministically from the seed, with zero feature weights and a zero residual output', () => {
    const layout = twoTowerLayout(config);
    const a = initTwoTowerParameters(layout, 7);
    expect(initTwoTowerParameters(layout, 7)).toEqual(a);
    expect(initTwoTowerParameters(layout, 8)).not.toEqual(a);
    const block = (name: string) => layout.blocks.find((b) => b.name === name)!;
    const slice = (name: string) => Array.from(a.subarray(block(name).offset, block(name).offset + block(name).size));
    expect(slice('score.features')).toEqual([0, 0, 0]);
    expect(slice('user.output.weight').every((x) => x === 0)).toBe(true);
    expect(slice('item.projection').some((x) => x !== 0)).toBe(true);
  });

  it('hashes item ids with FNV-1a (published vectors) into the bucket range', () => {
    // FNV-1a 32-bit test vectors: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
    expect([fnv1a32(''), fnv1a32('a'), fnv1a32('foobar')]).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
    for (const id of ['a', '196', 'item-00042']) {
      for (const row of itemIdBuckets(id, 7)) expect(Number.isInteger(row) && row >= 0 && row < 7).toBe(true);
    }
    expect(() => itemIdBuckets('a', 0)).toThrow(/buckets must be a positive integer/);
  });

  it('gives items two hashed rows, so few items share both', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => String(1000 + i));
    const single = new Set(ids.map((id) => itemIdBuckets(id, 256)[0])).size;
    const pairs = new Set(ids.map((id) => itemIdBuckets(id, 256).join(','))).size;
    // 2000 ids in 256 rows: at most 256 distinct single rows; pairs of 65 536 leave ≈ 2000 − 30 distinct.
    expect(single).toBeLessThanOrEqual(256);
    expect(pairs).toBeGreaterThan(1900);
  });
});

describe('user context', () => {
  it('derives counts, recency and purchase rate from the history, one count per order', () => {
    const context = buildUserContext([Int32Array.of(0, 1), Int32Array.of(1, 1), Int32Array.of(2)], { poolingDecay: 0.5, recencyDecay: 0.5 });
    expect(Array.from(context.items)).toEqual([0, 1, 2]);
    // weights before normalisation: item 0 → 0.25, item 1 → 0.25 + 0.5, item 2 → 1; total 2
    expect(Array.from(context.poolWeights)).toEqual([0.125, 0.375, 0.5]);
    const row = (item: number) => Array.from(context.features.subarray(context.rowOf.get(item)! * 3, context.rowOf.get(item)! * 3 + 3));
    expect(row(1)).toEqual([Math.log(3), 0.5, 2 / 3]);
    expect(row(0)).toEqual([Math.log(2), 0.25, 1 / 3]);
    expect(row(2)).toEqual([Math.log(2), 1, 1 / 3]);
  });
});

describe('two-tower gradients', () => {
  const cases: Array<[TwoTowerLoss, TwoTowerConfig]> = [
    ['sampled-softmax', config],
    ['bpr', config],
    ['sampled-softmax', { ...config, idBuckets: 0 }],
    ['bpr', { ...config, contentDim: 0 }],
  ];
  for (const [loss, cfg] of cases) {
    it(`match central finite differences for every parameter (${loss}, content ${cfg.contentDim}, ids ${cfg.idBuckets})`, () => {
      const { layout, model, items, params, privateVector, context } = fixture(11, cfg);
      const positives = Int32Array.of(4, 5);
      // 5 is also a positive: an accidental hit, dropped from the negatives.
      const negatives = Int32Array.of(6, 7, 5, 8, 1);
      const logQ = Float64Array.of(-1.2, -0.4, -0.9, -2, -0.3);
      const options = { loss, logQ };
      const f = (p: Float64Array, priv: Float64Array) => model.lossAndGradient(p, priv, items, context, positives, negatives, options, null, null);
      const grad = new Float64Array(layout.size);
      const gradPrivate = new Float64Array(cfg.embeddingDim);
      const value = model.lossAndGradient(params, privateVector, items, context, positives, negatives, options, grad, gradPrivate);
      expect(value).toBeCloseTo(f(params, privateVector), 12);
      const h = 1e-6;
      let checked = 0;
      for (let i = 0; i < layout.size; i++) {
        const plus = Float64Array.from(params);
        const minus = Float64Array.from(params);
        plus[i] += h;
        minus[i] -= h;
        const numeric = (f(plus, privateVector) - f(minus, privateVector)) / (2 * h);
        expect(Math.abs(grad[i]! - numeric), `parameter ${i}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric));
        if (numeric !== 0) checked++;
      }
      // Buckets of items outside the example have zero gradient; most parameters do not.
      expect(checked).toBeGreaterThan(layout.size * 0.6);
      for (let k = 0; k < cfg.embeddingDim; k++) {
        const plus = Float64Array.from(privateVector);
        const minus = Float64Array.from(privateVector);
        plus[k] += h;
        minus[k] -= h;
        const numeric = (f(params, plus) - f(params, minus)) / (2 * h);
        expect(Math.abs(gradPrivate[k]! - numeric)).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric));
      }
    });
  }

  it('scores with the precomputed catalog table exactly as the per-example forward does', () => {
    const { model, items, params, privateVector, context } = fixture(5);
    const table = model.itemTable(params, items);
    const forward = model.userForward(params, privateVector, context, table);
    const all = Int32Array.from({ length: items.count }, (_, i) => i);
    const full = model.score(params, forward, context, table, all);
    const sub = Int32Array.of(9, 1, 4);
    const subTable = model.itemTable(params, items, Int32Array.of(0, 1, 2, 3, 4, 9));
    const subScores = model.score(params, model.userForward(params, privateVector, context, subTable), context, subTable, sub);
    expect(Array.from(subScores)).toEqual(Array.from(sub, (i) => full[i]));
  });
});
