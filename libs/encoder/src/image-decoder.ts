/**
 * PNG and JPEG bytes → `DecodedImage` (8-bit, row-major, 1 or 3 channels), through `pngjs` and
 * `jpeg-js` (pure JS: no native build, same result on every machine).
 *
 * Invariant: limits are checked on the header *before* the pixel buffer is allocated, so a small
 * file announcing a huge image (a decompression bomb) is refused without decoding it. Every
 * failure is an `EncoderInputError` (never a decoder's own exception).
 * Alpha is composited over white (product photos with transparent backgrounds); grayscale stays
 * one channel (Fashion-MNIST is 28×28 grayscale).
 */
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { EncoderInputError } from './encoder.error';

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  /** Row-major, `height * width * channels` bytes. */
  readonly data: Uint8Array;
}

export interface DecodeLimits {
  /** Largest accepted encoded size in bytes (default 10 MiB). */
  readonly maxBytes?: number;
  /** Largest accepted width × height (default 16 megapixels). */
  readonly maxPixels?: number;
  /** Smallest accepted side in pixels (default 8; Fashion-MNIST is 28). */
  readonly minSide?: number;
}

export const DEFAULT_DECODE_LIMITS: Required<DecodeLimits> = {
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 16_000_000,
  minSide: 8,
};

type Format = 'png' | 'jpeg';
interface Header { format: Format; width: number; height: number; components: number }

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function decodeImage(bytes: Uint8Array, limits: DecodeLimits = {}): DecodedImage {
  const { maxBytes, maxPixels, minSide } = { ...DEFAULT_DECODE_LIMITS, ...limits };
  if (!(bytes instanceof Uint8Array)) {
    throw new EncoderInputError('undecodable-image', 'image bytes must be a Uint8Array');
  }
  if (bytes.byteLength > maxBytes) {
    throw new EncoderInputError('image-too-large', `image is ${bytes.byteLength} bytes; the limit is ${maxBytes}`);
  }
  const header = readHeader(bytes);
  checkSize(header.width, header.height, maxPixels, minSide);

  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  let stride: 3 | 4;
  try {
    if (header.format === 'png') {
      const png = PNG.sync.read(buffer);
      ({ width, height } = png);
      rgba = png.data;
      stride = 4;
    } else {
      const jpeg = decodeJpeg(buffer, {
        useTArray: true,
        formatAsRGBA: false,
        tolerantDecoding: false,
        maxResolutionInMP: Math.ceil(maxPixels / 1_000_000),
        maxMemoryUsageInMB: Math.max(64, Math.ceil((maxPixels * 4 * 2) / (1024 * 1024))),
      });
      ({ width, height } = jpeg);
      rgba = jpeg.data;
      stride = 3;
    }
  } catch (error) {
    throw new EncoderInputError('undecodable-image', `the ${header.format.toUpperCase()} data could not be decoded`, {
      cause: error,
    });
  }
  if (width !== header.width || height !== header.height || rgba.length < width * height * stride) {
    throw new EncoderInputError('undecodable-image', `the ${header.format.toUpperCase()} header and its pixel data disagree`);
  }
  return header.components <= 2
    ? toGray(rgba, width, height, stride)
    : toRgb(rgba, width, height, stride);
}

/** Checks a `DecodedImage` built by a caller (not by `decodeImage`) before it reaches a tensor. */
export function assertDecodedImage(image: DecodedImage, index = 0): void {
  const ok = image !== null && typeof image === 'object'
    && Number.isInteger(image.width) && Number.isInteger(image.height)
    && (image.channels === 1 || image.channels === 3)
    && image.data instanceof Uint8Array;
  if (!ok) throw new EncoderInputError('invalid-image', `images[${index}] is not a DecodedImage`);
  if (image.width < 1 || image.height < 1) {
    throw new EncoderInputError('image-too-small', `images[${index}] is ${image.width}×${image.height}`);
  }
  if (image.data.length !== image.width * image.height * image.channels) {
    throw new EncoderInputError(
      'invalid-image',
      `images[${index}].data has ${image.data.length} bytes; ${image.width}×${image.height}×${image.channels} needs ${image.width * image.height * image.channels}`,
    );
  }
}

function checkSize(width: number, height: number, maxPixels: number, minSide: number): void {
  if (width < Math.max(1, minSide) || height < Math.max(1, minSide)) {
    throw new EncoderInputError('image-too-small', `image is ${width}×${height}; each side must be at least ${Math.max(1, minSide)}`);
  }
  if (width * height > maxPixels) {
    throw new EncoderInputError('image-too-many-pixels', `image is ${width}×${height} = ${width * height} pixels; the limit is ${maxPixels}`);
  }
}

function readHeader(bytes: Uint8Array): Header {
  if (bytes.length >= 33 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const chunk = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
    if (chunk !== 'IHDR') throw new EncoderInputError('undecodable-image', 'PNG without an IHDR header');
    const colorType = bytes[25]!;
    // 0 gray, 4 gray+alpha, 2 RGB, 3 palette, 6 RGBA
    const components = colorType === 0 ? 1 : colorType === 4 ? 2 : 3;
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20), components };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    return readJpegHeader(bytes);
  }
  throw new EncoderInputError('undecodable-image', 'image bytes are neither PNG nor JPEG');
}

/** Walks the JPEG markers to the first SOF segment (baseline, progressive, lossless, arithmetic). */
function readJpegHeader(bytes: Uint8Array): Header {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) { at += 1; continue; } // fill byte
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { at += 2; continue; }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (length < 2) break;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 10 > bytes.length) break;
      const height = (bytes[at + 5]! << 8) | bytes[at + 6]!;
      const width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
      return { format: 'jpeg', width, height, components: bytes[at + 9]! };
    }
    at += 2 + length;
  }
  throw new EncoderInputError('undecodable-image', 'JPEG without a frame header');
}

/** Alpha over white, rounded: out = c·a/255 + 255·(1 − a/255). */
function overWhite(c: number, a: number): number {
  return a === 255 ? c : Math.round((c * a + 255 * (255 - a)) / 255);
}

function toRgb(src: Uint8Array, width: number, height: number, stride: 3 | 4): DecodedImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = stride === 4 ? src[i * 4 + 3]! : 255;
    data[i * 3] = overWhite(src[i * stride]!, a);
    data[i * 3 + 1] = overWhite(src[i * stride + 1]!, a);
    data[i * 3 + 2] = overWhite(src[i * stride + 2]!, a);
  }
  return { width, height, channels: 3, data };
}

function toGray(src: Uint8Array, width: number, height: number, stride: 3 | 4): DecodedImage {
  const n = width * height;
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = stride === 4 ? src[i * 4 + 3]! : 255;
    data[i] = overWhite(src[i * stride]!, a);
  }
  return { width, height, channels: 1, data };
}
