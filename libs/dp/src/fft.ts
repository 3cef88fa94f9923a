/**
 * Radix-2 FFT for the PLD accountant: linear convolution of two real sequences and the k-fold
 * self-convolution of one, both through the DFT (convolution theorem).
 *
 * Invariant: outputs are real sequences of exactly the requested length; the transform sizes are
 * powers of two ≥ that length, so the cyclic convolution equals the linear one (convolve) or
 * wraps only mass the caller has bounded away (selfConvolvePower, see pld-pmf.ts).
 *
 * Why our own: ~100 lines of iterative Cooley–Tukey (Cooley & Tukey 1965; bit-reversal
 * permutation, precomputed twiddles) cover what we need, are fast enough (a 2^17-point transform
 * in ~10 ms on one core), and avoid a dependency for a pure-math domain lib. Two real inputs
 * share one complex transform (z = x + i·y, then X = (Z[k] + conj Z[N−k])/2,
 * Y = (Z[k] − conj Z[N−k])/(2i)).
 */

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();

function tables(n: number) {
  let t = twiddleCache.get(n);
  if (t) return t;
  const half = n >>> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  const bits = Math.round(Math.log2(n));
  const rev = new Uint32Array(n);
  for (let i = 1; i < n; i++) rev[i] = (rev[i >>> 1] >>> 1) | ((i & 1) << (bits - 1));
  t = { cos, sin, rev };
  if (twiddleCache.size > 16) twiddleCache.clear();
  twiddleCache.set(n, t);
  return t;
}

/** In-place complex DFT of (re, im), length a power of two; `inverse` applies e^{+i…} and 1/n. */
export function fftInPlace(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n !== im.length || (n & (n - 1)) !== 0) throw new RangeError(`FFT length must be a power of two; got ${n}`);
  if (n <= 1) return;
  const { cos, sin, rev } = tables(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >>> 1;
    const step = (n / size) | 0; // an int index keeps V8 on the fast element path
    for (let start = 0; start < n; start += size) {
      for (let k = 0, t = 0; k < half; k++, t += step) {
        const wr = cos[t];
        const wi = sign * sin[t];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
  if (inverse) {
    const s = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] *= s;
      im[i] *= s;
    }
  }
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Linear convolution of two real sequences (length a.length + b.length − 1). */
export function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const outLen = a.length + b.length - 1;
  if (Math.min(a.length, b.length) <= 64) return directConvolve(a, b);
  const n = nextPowerOfTwo(outLen);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(a);
  im.set(b);
  fftInPlace(re, im);
  // Unpack X·Y from Z = X + iY: X·Y = (Z[k]² − conj(Z[N−k])²) / (4i).
  const pr = new Float64Array(n);
  const pi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const m = (n - k) & (n - 1);
    const zr = re[k];
    const zi = im[k];
    const cr = re[m];
    const ci = -im[m];
    // (z² − c²)/(4i) = −i (z² − c²)/4
    const dr = zr * zr - zi * zi - (cr * cr - ci * ci);
    const di = 2 * zr * zi - 2 * cr * ci;
    pr[k] = di / 4;
    pi[k] = -dr / 4;
  }
  fftInPlace(pr, pi, true);
  return pr.slice(0, outLen);
}

function directConvolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    if (ai === 0) continue;
    for (let j = 0; j < b.length; j++) out[i + j] += ai * b[j];
  }
  return out;
}

/**
 * DFT of a real sequence of even length n (zero-padded from `x`), bins 0 … n/2, through one
 * complex transform of length n/2 on z_k = x_{2k} + i·x_{2k+1}:
 * X_k = E_k + W^k O_k with E_k = (Z_k + conj Z_{n/2−k})/2, O_k = (Z_k − conj Z_{n/2−k})/(2i),
 * W = e^{−2πi/n}.
 */
export function realFft(x: Float64Array, n: number): { re: Float64Array; im: Float64Array } {
  const m = n >>> 1;
  const zr = new Float64Array(m);
  const zi = new Float64Array(m);
  const len = Math.min(x.length, n);
  for (let i = 0; i < len; i++) {
    if (i & 1) zi[i >>> 1] = x[i];
    else zr[i >>> 1] = x[i];
  }
  fftInPlace(zr, zi);
  const { cos, sin } = tables(n);
  const re = new Float64Array(m + 1);
  const im = new Float64Array(m + 1);
  for (let k = 0; k <= m; k++) {
    const a = k % m;
    const b = (m - k) % m;
    const er = (zr[a] + zr[b]) / 2;
    const ei = (zi[a] - zi[b]) / 2;
    const or = (zi[a] + zi[b]) / 2;
    const oi = -(zr[a] - zr[b]) / 2;
    const wr = k < m ? cos[k] : -1;
    const wi = k < m ? -sin[k] : 0;
    re[k] = er + wr * or - wi * oi;
    im[k] = ei + wr * oi + wi * or;
  }
  return { re, im };
}

/** Inverse of realFft: the real sequence of length n whose bins 0 … n/2 are (re, im). */
export function inverseRealFft(re: Float64Array, im: Float64Array, n: number): Float64Array {
  const m = n >>> 1;
  const { cos, sin } = tables(n);
  const zr = new Float64Array(m);
  const zi = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const b = m - k;
    // E_k = (X_k + conj X_{m−k})/2, O_k = (X_k − conj X_{m−k})/2 · W^{−k}; Z_k = E_k + i·O_k.
    const er = (re[k] + re[b]) / 2;
    const ei = (im[k] - im[b]) / 2;
    const dr = (re[k] - re[b]) / 2;
    const di = (im[k] + im[b]) / 2;
    const or = dr * cos[k] - di * sin[k];
    const oi = dr * sin[k] + di * cos[k];
    zr[k] = er - oi;
    zi[k] = ei + or;
  }
  fftInPlace(zr, zi, true);
  const out = new Float64Array(n);
  for (let k = 0; k < m; k++) {
    out[2 * k] = zr[k];
    out[2 * k + 1] = zi[k];
  }
  return out;
}

/**
 * The `count`-fold self-convolution of `a`, computed cyclically on `size` points (a power of
 * two ≥ 2): real DFT, each bin raised to the power `count` in polar form (exponentiation in the
 * Fourier domain — one transform pair instead of log₂(count) convolutions), inverse DFT. Entry i
 * of the result is the mass of the full convolution at all indices ≡ i (mod size).
 */
export function selfConvolvePower(a: Float64Array, count: number, size: number): Float64Array {
  if (a.length > size) throw new RangeError(`size ${size} is below the input length ${a.length}`);
  const { re, im } = realFft(a, size);
  for (let k = 0; k < re.length; k++) {
    const x = re[k];
    const y = im[k];
    const logMag = 0.5 * count * Math.log(x * x + y * y);
    if (logMag < -745) {
      // |X_k|^count underflows to 0 (most bins when count is large): skip the trigonometry.
      re[k] = 0;
      im[k] = 0;
      continue;
    }
    const mag = Math.exp(logMag);
    const phase = count * Math.atan2(y, x);
    re[k] = mag * Math.cos(phase);
    im[k] = mag * Math.sin(phase);
  }
  return inverseRealFft(re, im, size);
}
