/**
 * Fusion of a text and an image embedding into one item embedding.
 *
 * MiniLM (text) and MobileNetV2 (image) are not trained into a shared space, so their vectors are
 * never added or compared with each other. Each present part is L2-normalised, a missing part is a
 * zero block, the two blocks are concatenated [text | image] and the whole is L2-normalised:
 *
 *   both present:  f = [t̂, î] / √2      → f_a·f_b = (cos_text + cos_image) / 2
 *   one missing:   f = [t̂, 0] or [0, î] → against a full item, f_a·f_b = cos_shared / √2
 *   disjoint:      text-only vs image-only items have f_a·f_b = 0
 *
 * Invariant: the result always has unit L2 norm (dot product = cosine), length textDim + imageDim,
 * and the modality blocks never mix. A part with zero norm counts as missing.
 */

export function l2Normalized(v: Float32Array): Float32Array | undefined {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

export function fuseEmbeddings(
  text: Float32Array | undefined,
  image: Float32Array | undefined,
  textDimension: number,
  imageDimension: number,
): Float32Array {
  if (text !== undefined && text.length !== textDimension) {
    throw new RangeError(`text embedding has ${text.length} values, expected ${textDimension}`);
  }
  if (image !== undefined && image.length !== imageDimension) {
    throw new RangeError(`image embedding has ${image.length} values, expected ${imageDimension}`);
  }
  const t = text && l2Normalized(text);
  const i = image && l2Normalized(image);
  if (!t && !i) throw new RangeError('fuse needs at least one non-zero embedding');
  const scale = t && i ? Math.SQRT1_2 : 1;
  const out = new Float32Array(textDimension + imageDimension);
  if (t) for (let k = 0; k < textDimension; k++) out[k] = t[k]! * scale;
  if (i) for (let k = 0; k < imageDimension; k++) out[textDimension + k] = i[k]! * scale;
  return out;
}
