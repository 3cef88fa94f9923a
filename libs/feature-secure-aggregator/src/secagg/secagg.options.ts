/** The settings of secure aggregation, from secure-aggregator's (or standalone's) config. */
import { type CryptoSuite } from '@cohort/secagg';

export const SECAGG_OPTIONS = Symbol.for('cohort.SecAggOptions');
export const CRYPTO_SUITE = Symbol.for('cohort.CryptoSuite');

export interface SecAggOptions {
  /** How long each stage waits for devices before it closes with whoever answered. */
  readonly stageTimeoutMs: number;
  /** How often open groups are checked against their stage deadline. */
  readonly deadlineSweepMs: number;
  /** Largest group: bigger cohorts are sharded into balanced groups of at most this many devices. */
  readonly maxGroupSize: number;
  /** Assumed fraction of corrupt devices γ and of dropouts δ, for the Harary degree and threshold. */
  readonly corruptFraction: number;
  readonly dropoutFraction: number;
  /**
   * Base URLs of the replicas, in order: group g is served by replica g mod R, and that replica
   * closes its stages; the others take over a stage `takeoverGraceMs` after its deadline. Empty:
   * one replica (or replicas behind one address), any may close any stage at its deadline.
   */
  readonly replicaUrls: readonly string[];
  /** This process's index in `replicaUrls` (ignored when it is empty). */
  readonly replicaIndex: number;
  readonly takeoverGraceMs: number;
  /**
   * Where the central DP noise comes from; default: a Gaussian sampler over the operating
   * system's CSPRNG (WebCrypto). Tests inject one that also records what it added.
   */
  readonly noise?: NoiseSource;
}

/** Adds independent N(0, stddev²) noise to every entry, in place. */
export interface NoiseSource {
  addNoise(values: Float64Array, stddev: number): void;
}

export type { CryptoSuite };
