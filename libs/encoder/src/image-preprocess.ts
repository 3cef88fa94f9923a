/**
 * `DecodedImage` → the image network's input, exactly as nsfwjs prepares it for TF.js
 * (nsfwjs 4.4.0 `NSFWJS.infer`): pixels as float32 divided by 255, then
 * `tf.image.resizeBilinear(size, alignCorners = true)` unless the image already has that size.
 * Grayscale is replicated to three channels. Layout NHWC, RGB.
 *
 * Invariant: the bilinear arithmetic follows TF.js's CPU kernel (`resizeBilinearImpl`, half-pixel
 * centers off) step by step, so the tensor equals TF.js's to float32 rounding — the parity fixture
 * checks the whole chain (this function + ONNX) against nsfwjs running on TF.js.
 */
import { type DecodedImage } from './image-decoder';

/** Writes one image's [size, size, 3] float32 block into `out` at `offset` (in elements). */
export function writeModelInput(image: DecodedImage, size: number, out: Float32Array, offset: number): void {
  const { width: w, height: h, channels: c, data } = image;
  // TF.js stores x/255 as float32 before resizing: round the same way.
  const at = (y: number, x: number, ch: number): number => Math.fround(data[(y * w + x) * c + (c === 1 ? 0 : ch)]! / 255);

  if (w === size && h === size) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < 3; ch++) out[offset + (y * size + x) * 3 + ch] = at(y, x, ch);
      }
    }
    return;
  }
  // alignCorners: the corner pixels of input and output coincide.
  const rowRatio = size > 1 ? (h - 1) / (size - 1) : h / size;
  const colRatio = size > 1 ? (w - 1) / (size - 1) : w / size;
  for (let r = 0; r < size; r++) {
    const srcRow = rowRatio * r;
    const top = Math.max(0, Math.floor(srcRow));
    const rowFrac = srcRow - top;
    const bottom = Math.min(h - 1, Math.ceil(srcRow));
    for (let col = 0; col < size; col++) {
      const srcCol = colRatio * col;
      const left = Math.max(0, Math.floor(srcCol));
      const colFrac = srcCol - left;
      const right = Math.min(w - 1, Math.ceil(srcCol));
      for (let ch = 0; ch < 3; ch++) {
        const tl = at(top, left, ch);
        const tr = at(top, right, ch);
        const bl = at(bottom, left, ch);
        const br = at(bottom, right, ch);
        const topValue = tl + (tr - tl) * colFrac;
        const bottomValue = bl + (br - bl) * colFrac;
        out[offset + (r * size + col) * 3 + ch] = topValue + (bottomValue - topValue) * rowFrac;
      }
    }
  }
}
