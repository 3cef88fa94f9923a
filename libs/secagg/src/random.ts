/**
 * Uniform integers and permutations from the suite's CSPRNG (ring placement, shard assignment).
 * Invariant: unbiased — rejection sampling, never `x % bound` on a range that bound does not divide.
 */
import type { CryptoSuite } from './crypto-suite';

/** Uniform 32-bit words from the suite, fetched in batches (one CSPRNG call per 256 words). */
class WordSource {
  private words: Uint32Array = new Uint32Array(0);
  private next = 0;
  constructor(private readonly suite: CryptoSuite) {}
  word(): number {
    if (this.next === this.words.length) {
      this.words = new Uint32Array(this.suite.randomBytes(1024).slice().buffer);
      this.next = 0;
    }
    return this.words[this.next++]!;
  }
}

function below(bound: number, source: WordSource): number {
  const limit = Math.floor(0x1_0000_0000 / bound) * bound;
  for (;;) {
    const x = source.word();
    if (x < limit) return x % bound;
  }
}

/** A uniformly random permutation of `items` (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], suite: CryptoSuite): T[] {
  const out = items.slice();
  const source = new WordSource(suite);
  for (let i = out.length - 1; i > 0; i--) {
    const j = below(i + 1, source);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
