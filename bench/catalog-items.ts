/**
 * Synthetic catalog items for the encoder and catalog benchmarks: product-like titles,
 * categories and descriptions, and a 320×240 RGB picture per item (gradients, a disc, a diagonal
 * texture; different per item), all deterministic in the item's index.
 */
import type { DecodedImage } from '@cohort/encoder';

const ADJECTIVES = ['linen', 'leather', 'ceramic', 'wool', 'recycled', 'stainless', 'organic cotton', 'walnut', 'canvas', 'glass'];
const NOUNS = ['shirt', 'tote bag', 'mug', 'scarf', 'water bottle', 'desk lamp', 'notebook', 'sneakers', 'phone case', 'serving bowl'];
const CATEGORIES = ['Apparel', 'Bags', 'Kitchen', 'Accessories', 'Home', 'Office', 'Footwear', 'Electronics'];

export interface BenchItemFields {
  readonly title: string;
  readonly category: string;
  readonly description: string;
}

export function benchItemFields(index: number): BenchItemFields {
  const adjective = ADJECTIVES[index % ADJECTIVES.length]!;
  const noun = NOUNS[(index * 7) % NOUNS.length]!;
  return {
    title: `${adjective[0]!.toUpperCase()}${adjective.slice(1)} ${noun}, model ${100 + index}`,
    category: CATEGORIES[index % CATEGORIES.length]!,
    description: `A ${adjective} ${noun} made to last. ${'Ships in recyclable packaging. '.repeat(1 + (index % 4))}Care: see label.`,
  };
}

export function benchPicture(width: number, height: number, seed: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  const [cx, cy, r2] = [width * (0.3 + 0.4 * ((seed * 0.37) % 1)), height * (0.3 + 0.4 * ((seed * 0.61) % 1)), (Math.min(width, height) / 4) ** 2];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r2;
      data[i] = inside ? (seed * 53) % 256 : (x * 255) / width;
      data[i + 1] = inside ? (seed * 97) % 256 : (y * 255) / height;
      data[i + 2] = ((x + y + seed * 31) * 3) % 256;
    }
  }
  return { width, height, channels: 3, data };
}
