/**
 * Continuous Gaussian noise N(0, σ²) from a cryptographic randomness port, for the noise that
 * secure-aggregator adds to the unmasked sum (N(0, (zC)²) per coordinate).
 *
 * Method: Box–Muller (Box & Muller 1958) on 53-bit uniforms in (0, 1) read through the
 * RandomSource port; each pair of uniforms gives two independent normals.
 *
 * Invariant: all randomness comes from the injected RandomSource (default: WebCrypto), never
 * from Math.random. Caveat (documented in docs/dp.md): floating-point samplers are only
 * approximately Gaussian in their low-order bits (Mironov 2012, "On significance of the least
 * significant bits for differential privacy"); where an exact guarantee matters, use the
 * discrete Gaussian (discrete-gaussian-sampler.ts).
 */
import { check } from './dp-error';
import { type RandomSource, RandomReader, cryptoRandomSource } from './random-source';

export class GaussianSampler {
  private readonly reader: RandomReader;
  private spare: number | undefined;

  constructor(random: RandomSource = cryptoRandomSource) {
    this.reader = new RandomReader(random);
  }

  /** One sample of N(0, stddev²). */
  sample(stddev: number): number {
    check(Number.isFinite(stddev) && stddev >= 0, 'stddev', 'a finite number >= 0', stddev);
    return stddev * this.standard();
  }

  /** Adds independent N(0, stddev²) noise to every entry of `values` in place. */
  addNoise(values: Float64Array | Float32Array | number[], stddev: number): void {
    check(Number.isFinite(stddev) && stddev >= 0, 'stddev', 'a finite number >= 0', stddev);
    for (let i = 0; i < values.length; i++) values[i] += stddev * this.standard();
  }

  /** A standard normal. */
  standard(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u1 = this.reader.uniformOpen();
    const u2 = this.reader.uniformOpen();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}
