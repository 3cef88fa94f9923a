// The evaluation's plumbing, with stand-in encoders whose scores are known: one that encodes the
// label itself (perfect) and one that encodes nothing (all ties). Data: 3 classes of 28×28 images.
import { type GrayImage, type LabelledImages, type Superstore } from '@cohort/catalog-data';
import { describe, expect, it } from 'vitest';
import { type QualityEncoder, evaluateEncoderQuality, evaluationSets } from './encoder-quality-core';

// 30 images, 10 per class, each class a different filled band of rows, with per-image noise.
const fashionTest: LabelledImages = (() => {
  const count = 30;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.floor(p / 28 / 10) === labels[i] ? 200 : (i * 7 + p) % 5;
  }
  return { count, width: 28, height: 28, images, labels };
})();

const subCategories = ['Chairs', 'Paper', 'Binders'];
const superstore: Superstore = {
  products: Array.from({ length: 12 }, (_, i) => ({
    productId: `P-${i}`,
    name: `${subCategories[i % 3]} item ${i}`,
    alternateNames: [],
    category: 'X',
    subCategory: subCategories[i % 3],
  })),
  interactions: [],
};

const oneHot = (c: number) => Float32Array.from([0, 1, 2], (j) => (j === c ? 1 : 0));
const labelOf = (image: GrayImage) => Math.floor(image.data.findIndex((v) => v === 200) / 28 / 10);
const oracle: QualityEncoder = {
  version: 'oracle',
  encodeImages: async (images) => images.map((img) => oneHot(labelOf(img))),
  encodeTexts: async (texts) => texts.map((t) => oneHot(subCategories.findIndex((s) => t.startsWith(s)))),
};
const blind: QualityEncoder = {
  version: 'blind',
  encodeImages: async (images) => images.map(() => new Float32Array(4)),
  encodeTexts: async (texts) => texts.map(() => new Float32Array(4)),
};
const options = { seed: 1, k: 3, batchSize: 4 };

describe('encoder quality evaluation', () => {
  it('scores an encoder that knows the label as perfect, and the baselines on the same items', async () => {
    const r = await evaluateEncoderQuality(oracle, { fashionTest, superstore }, options);
    expect(r.imageKnnAccuracy).toBe(1);
    expect(r.textPrecisionAt10).toBe(1);
    // The bands make raw pixels perfect too; names share "<sub-category> item", TF-IDF finds them.
    expect(r.pixelKnnAccuracy).toBe(1);
    expect(r.tfidfPrecisionAt10).toBe(1);
    expect(r.images).toMatchObject({ count: 30, perClass: 10, wholeSplit: true, dimension: 3 });
    expect(r.texts).toMatchObject({ count: 12, allDistinctNames: 12, subCategories: 3, dimension: 3 });
  });

  it('scores an encoder that sees nothing at the base rate', async () => {
    // All similarities tie: every query's 3 neighbours are a uniform draw from the other 11
    // names, 3 of which share its sub-category → precision 3/11. The kNN vote over 29 others
    // (9 of the own class, 10 of each other) is won by the other two classes → accuracy 0.
    const r = await evaluateEncoderQuality(blind, { fashionTest, superstore }, options);
    expect(r.textPrecisionAt10).toBeCloseTo(3 / 11, 12);
    expect(r.imageKnnAccuracy).toBe(0);
  });

  it('takes the same seeded subsets for the encoder and the baselines', () => {
    const a = evaluationSets({ fashionTest, superstore }, { imagesPerClass: 4, texts: 6, seed: 5 });
    const b = evaluationSets({ fashionTest, superstore }, { imagesPerClass: 4, texts: 6, seed: 5 });
    expect(a.images.count).toBe(12);
    expect(a.images.images).toEqual(b.images.images);
    expect(a.products).toEqual(b.products);
    expect(a.products).toHaveLength(6);
  });
});
