import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { EncoderInputError } from './encoder.error';
import { decodeImage } from './image-decoder';

const IMAGES = join(__dirname, '..', 'fixtures', 'images');
const fixture = (name: string) => new Uint8Array(readFileSync(join(IMAGES, name)));

function png(width: number, height: number, rgba: number[], colorType: 0 | 2 | 6 = 6): Uint8Array {
  const image = new PNG({ width, height });
  image.data.set(rgba);
  return new Uint8Array(PNG.sync.write(image, { colorType, inputColorType: 6, inputHasAlpha: true }));
}

function expectInputError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EncoderInputError);
    expect((error as EncoderInputError).code).toBe(code);
    return;
  }
  expect.fail(`expected EncoderInputError ${code}`);
}

/** A PNG signature + IHDR that announces width×height, with no pixel data after it. */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(33);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 2, 0, 0, 0], 24);
  return bytes;
}

describe('decodeImage', () => {
  it('keeps a grayscale PNG as one channel (Fashion-MNIST is 28×28 gray)', () => {
    const image = decodeImage(fixture('gray-28.png'));
    expect(image).toMatchObject({ width: 28, height: 28, channels: 1 });
    expect(image.data.length).toBe(28 * 28);
    // make-image-parity.ts draws black at (0,0) and the body value 180 + (x*7 + y*3) % 60 at (10, 10).
    expect(image.data[0]).toBe(0);
    expect(image.data[10 * 28 + 10]).toBe(180 + ((10 * 7 + 10 * 3) % 60));
  });

  it('composites RGBA over white', () => {
    // One pixel (200, 100, 0) at alpha 128: c·a/255 + 255·(1 − a/255).
    const image = decodeImage(png(8, 8, Array.from({ length: 64 }, () => [200, 100, 0, 128]).flat()));
    expect(image.channels).toBe(3);
    const expected = [200, 100, 0].map((c) => Math.round((c * 128 + 255 * 127) / 255));
    expect(Array.from(image.data.subarray(0, 3))).toEqual(expected);
  });

  it('decodes a JPEG photograph to RGB', () => {
    const image = decodeImage(fixture('franz-kafka.jpg'));
    expect(image).toMatchObject({ width: 450, height: 655, channels: 3 });
    expect(image.data.length).toBe(450 * 655 * 3);
  });

  it('decodes a JPEG it encoded to within JPEG loss', () => {
    const width = 16;
    const height = 16;
    const rgba = new Uint8Array(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : 90));
    const bytes = new Uint8Array(encodeJpeg({ width, height, data: rgba }, 95).data);
    const image = decodeImage(bytes);
    expect(image).toMatchObject({ width, height, channels: 3 });
    for (const v of image.data) expect(Math.abs(v - 90)).toBeLessThanOrEqual(3);
  });

  it('rejects bytes that are neither PNG nor JPEG', () => {
    expectInputError(() => decodeImage(new TextEncoder().encode('definitely not an image')), 'undecodable-image');
    expectInputError(() => decodeImage(new Uint8Array(0)), 'undecodable-image');
  });

  it('rejects a truncated PNG and a JPEG with garbage after its SOI marker', () => {
    const whole = fixture('rgb-224.png');
    expectInputError(() => decodeImage(whole.subarray(0, whole.length / 2)), 'undecodable-image');
    const jpeg = fixture('franz-kafka.jpg');
    const broken = new Uint8Array(jpeg.length).fill(0x5a);
    broken.set(jpeg.subarray(0, 2));
    expectInputError(() => decodeImage(broken), 'undecodable-image');
  });

  it('rejects more bytes than maxBytes before looking at them', () => {
    expectInputError(() => decodeImage(fixture('franz-kafka.jpg'), { maxBytes: 1000 }), 'image-too-large');
  });

  it('rejects an image announcing too many pixels from its header alone (no decode)', () => {
    expectInputError(() => decodeImage(pngHeaderOnly(100_000, 100_000)), 'image-too-many-pixels');
    expectInputError(() => decodeImage(fixture('franz-kafka.jpg'), { maxPixels: 450 * 655 - 1 }), 'image-too-many-pixels');
  });

  it('rejects zero-size and too-small images', () => {
    expectInputError(() => decodeImage(pngHeaderOnly(0, 10)), 'image-too-small');
    expectInputError(() => decodeImage(pngHeaderOnly(10, 0)), 'image-too-small');
    expectInputError(() => decodeImage(fixture('gray-28.png'), { minSide: 29 }), 'image-too-small');
    expect(decodeImage(fixture('gray-28.png'), { minSide: 28 }).width).toBe(28);
  });
});
