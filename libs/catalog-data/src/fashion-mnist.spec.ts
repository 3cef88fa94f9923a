import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_PIXELS, fashionMnistClassFromJson, imageAt, selectImages, splitByClass, stratifiedSubset } from './fashion-mnist';

describe('Fashion-MNIST class files', () => {
  it('reads 784-pixel images, drops empty entries and counts them', () => {
    const a = Array.from({ length: FASHION_MNIST_PIXELS }, (_, i) => i % 256);
    const b = Array.from({ length: FASHION_MNIST_PIXELS }, () => 255);
    const parsed = fashionMnistClassFromJson({ data: [a, [], b, []] }, 0);
    expect(parsed.count).toBe(2);
    expect(parsed.dropped).toBe(2);
    expect(Array.from(parsed.images.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(parsed.images[FASHION_MNIST_PIXELS + 5]).toBe(255);
  });

  it('refuses a short image or a pixel outside 0–255', () => {
    expect(() => fashionMnistClassFromJson({ data: [[1, 2, 3]] }, 3)).toThrow(/class 3: image 0 is not 784 pixels/);
    const bad = Array.from({ length: FASHION_MNIST_PIXELS }, () => 0);
    bad[10] = 256;
    expect(() => fashionMnistClassFromJson({ data: [bad] }, 1)).toThrow(/pixel 10 is 256/);
    expect(() => fashionMnistClassFromJson({ nope: [] }, 1)).toThrow(/no "data" array/);
  });
});

describe('class-stratified split', () => {
  // 3 classes × 5 images of 2×1 pixels; image i of class c holds the bytes (c, i), so every image
  // is recognisable after the shuffle.
  const classes = [0, 1, 2].map((c) => Uint8Array.from({ length: 10 }, (_, p) => (p % 2 === 0 ? c : p >> 1)));
  const options = { seed: 9, testPerClass: 2, width: 2, height: 1 };
  const { train, test } = splitByClass(classes, options);

  it('sends testPerClass images of every class to test and the rest to train', () => {
    expect(test.count).toBe(6);
    expect(train.count).toBe(9);
    for (const c of [0, 1, 2]) {
      expect(Array.from(test.labels).filter((l) => l === c)).toHaveLength(2);
      expect(Array.from(train.labels).filter((l) => l === c)).toHaveLength(3);
    }
  });

  it('uses every source image exactly once, with its own label', () => {
    const seen = [train, test].flatMap((set) =>
      Array.from({ length: set.count }, (_, i) => {
        const img = imageAt(set, i);
        expect(img.data[0]).toBe(set.labels[i]);
        return `${img.data[0]}:${img.data[1]}`;
      }),
    );
    expect(new Set(seen).size).toBe(15);
  });

  it('is a function of the seed', () => {
    expect(splitByClass(classes, options).test.images).toEqual(test.images);
    expect(splitByClass(classes, { ...options, seed: 10 }).test.images).not.toEqual(test.images);
  });

  it('takes seeded stratified subsets', () => {
    const picked = stratifiedSubset(train.labels, 2, 1);
    expect(picked).toHaveLength(6);
    const subset = selectImages(train, picked);
    expect([0, 1, 2].map((c) => Array.from(subset.labels).filter((l) => l === c).length)).toEqual([2, 2, 2]);
    expect(stratifiedSubset(train.labels, 2, 1)).toEqual(picked);
    // More than a class holds: all of it.
    expect(stratifiedSubset(train.labels, 10, 1)).toHaveLength(9);
  });
});
