// "Must hold: embeddings are meaningful" (issue 5), on a seeded subset small enough for a test on
// two shared cores: the real encoder (`npm run setup:models` first) against raw-pixel kNN and
// TF-IDF on exactly the same held-out items. `npm run eval:encoder` runs the full-size version.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultModelDir } from '@cohort/encoder';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EncoderQualityReport } from './encoder-quality-core';
import { runEncoderQuality } from './encoder-quality';

// 50 test images per class (500) and 600 of the 1 850 product names, seed 11.
const SUBSET = { imagesPerClass: 50, texts: 600, seed: 11, batchSize: 50 } as const;

describe('encoder quality on held-out real data', () => {
  let report: EncoderQualityReport;
  beforeAll(async () => {
    if (!existsSync(join(defaultModelDir(), 'manifest.json'))) {
      throw new Error(`no encoder models in ${defaultModelDir()}: run \`npm run setup:models\` first`);
    }
    report = await runEncoderQuality(SUBSET);
  }, 180_000);

  it('evaluates the subset it was asked for', () => {
    expect(report.images).toMatchObject({ count: 500, perClass: 50, wholeSplit: false });
    expect(report.texts.count).toBe(600);
    expect(report.texts.subCategories).toBe(17);
  });

  it('image embeddings beat raw pixels at 10-NN class accuracy', () => {
    expect(report.imageKnnAccuracy).toBeGreaterThan(report.pixelKnnAccuracy);
  });

  it('product-name embeddings beat TF-IDF at same-sub-category precision@10', () => {
    expect(report.textPrecisionAt10).toBeGreaterThan(report.tfidfPrecisionAt10);
  });
});
