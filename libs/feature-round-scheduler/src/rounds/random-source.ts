/**
 * Randomness for cohort sampling. Poisson sampling is part of the privacy mechanism (the
 * amplification-by-sampling argument assumes the server cannot predict who is sampled), so the
 * default source is the operating system's CSPRNG; tests inject a seeded one.
 */
import { randomBytes } from 'node:crypto';

/** Uniform in [0, 1) with 53 random bits. */
export type RandomSource = () => number;

export const RANDOM_SOURCE = Symbol.for('cohort.RandomSource');

export const cryptoRandom: RandomSource = () => {
  const bytes = randomBytes(8);
  const high = bytes.readUInt32BE(0) >>> 5; // 27 bits
  const low = bytes.readUInt32BE(4) >>> 6; // 26 bits
  return (high * 67108864 + low) / 9007199254740992;
};
