/**
 * Sharded aggregation: a large cohort is split into groups that each run their own SecAgg+
 * session (possibly on different secure-aggregator replicas); the released group sums are added
 * mod 2^b. Bell et al. CCS 2020 bound cost per client by the graph degree, so sharding is a
 * deployment choice (memory, replicas), not a security one: each group must meet the security
 * parameters on its own, and the server learns each group's sum (documented in docs/secagg.md).
 *
 * Invariants: groups are balanced (sizes differ by at most one) and drawn in uniformly random
 * order; the total over all groups cannot wrap the modulus (checked against the whole cohort).
 */
import type { CryptoSuite } from './crypto-suite';
import { addInto, reduceInto } from './modular';
import { createSecAggParams, modulusMask, type SecAggParams, type SecAggParamsInput } from './params';
import { SecAggError, SecAggErrorCode, requireParameter } from './secagg-error';
import { shuffled } from './random';

export interface ShardPlan<T> {
  readonly groups: readonly (readonly T[])[];
  /** params[i] for groups[i] (sizes differ by at most one, so at most two distinct objects). */
  readonly params: readonly SecAggParams[];
}

/**
 * Splits `cohort` into ⌈N / maxGroupSize⌉ balanced groups in random order, with per-group
 * parameters from `input`: either fixed settings (each group's size becomes `clients`) or a
 * function of the group size (e.g. `sessionGraph` for the degree and threshold).
 */
export function planShards<T>(
  cohort: readonly T[],
  maxGroupSize: number,
  input: Omit<SecAggParamsInput, 'clients'> | ((clients: number) => SecAggParamsInput),
  suite: CryptoSuite,
): ShardPlan<T> {
  const total = cohort.length;
  requireParameter(Number.isInteger(maxGroupSize) && maxGroupSize >= 3, 'maxGroupSize', 'must be an integer ≥ 3', maxGroupSize);
  requireParameter(total >= 3, 'cohort', 'must have at least 3 clients', total);
  const paramsFor = (clients: number): SecAggParamsInput => (typeof input === 'function' ? input(clients) : { ...input, clients });
  const { clipRange, scale, modulusBits } = paramsFor(Math.min(total, maxGroupSize));
  const bound = Math.ceil(clipRange * scale);
  requireParameter(
    total * bound < 2 ** (modulusBits - 1),
    'modulusBits',
    `is too small for the sharded total: ${total} clients at ±${bound} wrap mod 2^${modulusBits}`,
    modulusBits,
  );
  const order = shuffled(cohort, suite);
  const count = Math.ceil(total / maxGroupSize);
  const groups: T[][] = [];
  const cache = new Map<number, SecAggParams>();
  const params: SecAggParams[] = [];
  let offset = 0;
  for (let g = 0; g < count; g++) {
    const size = Math.floor(total / count) + (g < total % count ? 1 : 0);
    requireParameter(size >= 3, 'maxGroupSize', `gives a group of ${size} < 3 clients`, maxGroupSize);
    groups.push(order.slice(offset, offset + size));
    offset += size;
    if (!cache.has(size)) cache.set(size, createSecAggParams(paramsFor(size)));
    params.push(cache.get(size)!);
  }
  return { groups, params };
}

/** Σ group sums mod 2^b. */
export function addGroupSums(sums: readonly Uint32Array[], modulusBits: number): Uint32Array {
  if (sums.length === 0) throw new SecAggError(SecAggErrorCode.InvalidParameter, 'sums must not be empty');
  const out = new Uint32Array(sums[0]!.length);
  for (const s of sums) {
    if (s.length !== out.length) throw new SecAggError(SecAggErrorCode.WrongVectorLength, `group sums have lengths ${s.length} and ${out.length}`);
    addInto(out, s);
  }
  reduceInto(out, modulusMask(modulusBits));
  return out;
}
