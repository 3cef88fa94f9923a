import { describe, expect, it } from 'vitest';
import { writeModelInput } from './image-preprocess';

describe('writeModelInput', () => {
  it('keeps an image of the input size as x/255, grayscale replicated to RGB', () => {
    const out = new Float32Array(2 * 2 * 3);
    writeModelInput({ width: 2, height: 2, channels: 1, data: Uint8Array.from([0, 51, 102, 255]) }, 2, out, 0);
    expect(Array.from(out)).toEqual([0, 0, 0, 0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 1, 1, 1].map(Math.fround));
  });

  it('resizes bilinearly with aligned corners: corners kept, the centre is the mean of its neighbours', () => {
    // 2×2 → 3×3: with align_corners the output corners are the input corners, the centre samples
    // (0.5, 0.5): the mean of all four pixels; edge midpoints the mean of two.
    const gray = Uint8Array.from([0, 100, 200, 255]);
    const out = new Float32Array(3 * 3 * 3);
    writeModelInput({ width: 2, height: 2, channels: 1, data: gray }, 3, out, 0);
    const at = (r: number, c: number) => out[(r * 3 + c) * 3]!;
    expect(at(0, 0)).toBeCloseTo(0, 6);
    expect(at(0, 2)).toBeCloseTo(100 / 255, 6);
    expect(at(2, 0)).toBeCloseTo(200 / 255, 6);
    expect(at(2, 2)).toBeCloseTo(1, 6);
    expect(at(0, 1)).toBeCloseTo(50 / 255, 6);
    expect(at(1, 1)).toBeCloseTo((0 + 100 + 200 + 255) / 4 / 255, 6);
  });

  it('writes RGB channels in place at the given offset without touching the rest', () => {
    const out = new Float32Array(1 + 3).fill(-1);
    writeModelInput({ width: 1, height: 1, channels: 3, data: Uint8Array.from([255, 0, 51]) }, 1, out, 1);
    expect(Array.from(out)).toEqual([-1, 1, 0, Math.fround(0.2)]);
  });
});
