/**
 * Test helper: encodes 8-bit RGB pixels as a PNG file (RFC 2083: signature, IHDR, one IDAT of
 * zlib-deflated scanlines with filter type 0, IEND), so integration tests and the benchmark feed
 * the worker real image files without a fixture directory.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function pngFile(width: number, height: number, idat: Uint8Array): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, filter method 0, no interlace
  const signature = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', idat), chunk('IEND', new Uint8Array())]));
}

/** `rgb` is row-major, 3 bytes per pixel, width·height·3 long. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  if (rgb.length !== width * height * 3) throw new RangeError(`rgb must be width·height·3 = ${width * height * 3} bytes, got ${rgb.length}`);
  const scanlines = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) scanlines.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  return pngFile(width, height, deflateSync(scanlines));
}

/** A small, well-formed PNG file whose header claims `width`×`height` (a decompression-bomb shape). */
export function pngClaiming(width: number, height: number): Uint8Array {
  return pngFile(width, height, deflateSync(Buffer.alloc(16)));
}

/** A deterministic, textured test picture (gradients and a disc), different for each `seed`. */
export function testPicture(width: number, height: number, seed: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  const cx = width * (0.3 + 0.4 * ((seed * 0.37) % 1));
  const cy = height * (0.3 + 0.4 * ((seed * 0.61) % 1));
  const r2 = (Math.min(width, height) * 0.25) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r2;
      rgb[i] = inside ? (seed * 53) % 256 : (x * 255) / width;
      rgb[i + 1] = inside ? (seed * 97) % 256 : (y * 255) / height;
      rgb[i + 2] = ((x + y + seed * 31) * 3) % 256;
    }
  }
  return rgb;
}
