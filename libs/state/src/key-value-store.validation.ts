/**
 * Argument checks shared by every `KeyValueStore` adapter, so that a bad call is refused with the
 * same `invalid-argument` error before any backend is touched (a refused batch writes nothing),
 * and the counter format that both adapters accept.
 *
 * Counters: a value is a counter when it is written the way Redis writes integers ("0", or an
 * optional "-" and digits without a leading zero) and stays within ±Number.MAX_SAFE_INTEGER, so
 * the number a caller gets back is exact. Redis would accept up to 2^63 − 1; both adapters refuse
 * beyond 2^53 − 1 instead, so that they agree and nothing is silently rounded.
 */
import { KeyValueStoreError } from './key-value-store.error';
import type { WriteOp } from './key-value-store.port';

const COUNTER = /^(0|-?[1-9][0-9]{0,15})$/;

/** The counter a stored value represents, or null when it is not one. */
export function parseCounter(value: string): number | null {
  if (!COUNTER.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

function invalid(message: string): never {
  throw new KeyValueStoreError('invalid-argument', message);
}

export function assertKey(key: unknown, name = 'key'): asserts key is string {
  if (typeof key !== 'string') invalid(`${name} must be a string, got ${typeof key}`);
}

export function assertString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') invalid(`${name} must be a string, got ${typeof value}`);
}

export function assertTtlMs(ttlMs: unknown, name = 'ttlMs'): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    invalid(`${name} must be a positive integer number of milliseconds, got ${String(ttlMs)}`);
  }
}

export function assertIndex(index: unknown, name: string): asserts index is number {
  if (typeof index !== 'number' || !Number.isSafeInteger(index)) {
    invalid(`${name} must be an integer, got ${String(index)}`);
  }
}

function assertStrings(values: unknown, name: string): asserts values is readonly string[] {
  if (!Array.isArray(values) || values.length === 0) invalid(`${name} must be a non-empty array of strings`);
  values.forEach((value, i) => assertString(value, `${name}[${i}]`));
}

/** Checks one batch op; `at` names it in the message ("ops[3]"). */
export function assertWriteOp(op: WriteOp, at: string): void {
  if (op === null || typeof op !== 'object') invalid(`${at} must be an object`);
  assertKey(op.key, `${at}.key`);
  switch (op.op) {
    case 'set':
      assertString(op.value, `${at}.value`);
      if (op.ttlMs !== undefined) assertTtlMs(op.ttlMs, `${at}.ttlMs`);
      return;
    case 'delete':
      return;
    case 'hashSet':
      assertString(op.field, `${at}.field`);
      assertString(op.value, `${at}.value`);
      return;
    case 'hashDelete':
      assertString(op.field, `${at}.field`);
      return;
    case 'hashIncrBy':
      assertString(op.field, `${at}.field`);
      if (typeof op.by !== 'number' || !Number.isSafeInteger(op.by)) {
        invalid(`${at}.by must be a safe integer, got ${String(op.by)}`);
      }
      return;
    case 'setAdd':
    case 'setRemove':
      assertStrings(op.members, `${at}.members`);
      return;
    case 'listPush':
      assertStrings(op.values, `${at}.values`);
      return;
    default: {
      const unknownOp: never = op;
      invalid(`${at}.op is not a known write op: ${JSON.stringify((unknownOp as { op?: unknown }).op)}`);
    }
  }
}

export function assertCommitArguments(
  ops: readonly WriteOp[],
  options: { unlessExists?: string; markerTtlMs?: number } | undefined,
): void {
  if (!Array.isArray(ops)) invalid('ops must be an array of write ops');
  ops.forEach((op, i) => assertWriteOp(op, `ops[${i}]`));
  if (options?.unlessExists !== undefined) assertKey(options.unlessExists, 'unlessExists');
  if (options?.markerTtlMs !== undefined) {
    if (options.unlessExists === undefined) invalid('markerTtlMs needs unlessExists');
    assertTtlMs(options.markerTtlMs, 'markerTtlMs');
  }
}
