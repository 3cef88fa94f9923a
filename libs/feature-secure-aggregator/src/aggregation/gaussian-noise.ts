/**
 * Gaussian noise for the central DP release, from the operating system's CSPRNG. Box–Muller on
 * 53-bit uniforms; the uniform u1 is drawn from (0, 1] so log(u1) is finite.
 */
import { randomBytes } from 'node:crypto';

function uniforms(count: number): Float64Array {
  const bytes = randomBytes(count * 8);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const high = bytes.readUInt32BE(i * 8) >>> 5;
    const low = bytes.readUInt32BE(i * 8 + 4) >>> 6;
    out[i] = (high * 67108864 + low + 1) / 9007199254740992; // (0, 1]
  }
  return out;
}

/** Returns `values + N(0, stddev²)` element-wise; `values` itself is left unchanged. */
export function addGaussianNoise(values: Float64Array, stddev: number): Float64Array {
  if (!(stddev >= 0) || !Number.isFinite(stddev)) throw new RangeError(`stddev must be a finite non-negative number, got ${stddev}`);
  const out = Float64Array.from(values);
  if (stddev === 0) return out;
  const u = uniforms(out.length + (out.length % 2));
  for (let i = 0; i < out.length; i += 2) {
    const radius = stddev * Math.sqrt(-2 * Math.log(u[i]));
    const angle = 2 * Math.PI * u[i + 1];
    out[i] += radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] += radius * Math.sin(angle);
  }
  return out;
}
