import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatcherRejection, DynamicBatcher, type DynamicBatcherOptions } from './dynamic-batcher';

/** A batch function whose runs the test completes by hand; it records every batch it was given. */
function controlledRun() {
  const batches: number[][] = [];
  const pending: Array<{ inputs: readonly number[]; resolve: (out: string[]) => void; reject: (e: unknown) => void }> = [];
  const run = (inputs: readonly number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push([...inputs]);
      pending.push({ inputs, resolve, reject });
    });
  /** Completes the oldest running batch with `x<n>` for each input. */
  const finish = async () => {
    const next = pending.shift()!;
    next.resolve(next.inputs.map((n) => `x${n}`));
    await vi.advanceTimersByTimeAsync(0);
  };
  return { batches, pending, run, finish };
}

function batcher(run: DynamicBatcherOptions<number, string>['run'], overrides: Partial<DynamicBatcherOptions<number, string>> = {}) {
  return new DynamicBatcher<number, string>({ maxBatch: 4, maxWaitMs: 10, queueLimit: 8, run, ...overrides });
}

describe('DynamicBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('dispatches a full batch at once, without waiting for maxWaitMs', async () => {
    const c = controlledRun();
    const b = batcher(c.run);
    const results = [1, 2, 3, 4].map((n) => b.submit(n));
    await vi.advanceTimersByTimeAsync(0);
    expect(c.batches).toEqual([[1, 2, 3, 4]]);
    await c.finish();
    await expect(Promise.all(results)).resolves.toEqual(['x1', 'x2', 'x3', 'x4']);
  });

  it('runs a partial batch only once the oldest input has waited maxWaitMs', async () => {
    const c = controlledRun();
    const b = batcher(c.run);
    const first = b.submit(1);
    await vi.advanceTimersByTimeAsync(6);
    const second = b.submit(2);
    await vi.advanceTimersByTimeAsync(3); // 9 ms after the first input
    expect(c.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1); // 10 ms: the first input's deadline, not the second's
    expect(c.batches).toEqual([[1, 2]]);
    await c.finish();
    expect(await Promise.all([first, second])).toEqual(['x1', 'x2']);
  });

  it('collects the inputs that arrive while a batch runs into the next batch, in order, up to maxBatch', async () => {
    const c = controlledRun();
    const b = batcher(c.run);
    const all = [1, 2, 3, 4].map((n) => b.submit(n));
    await vi.advanceTimersByTimeAsync(0);
    all.push(...[5, 6, 7, 8, 9, 10].map((n) => b.submit(n)));
    await vi.advanceTimersByTimeAsync(50); // well past maxWaitMs: still one batch at a time
    expect(c.batches).toEqual([[1, 2, 3, 4]]);
    expect(b.depth).toBe(6);
    await c.finish();
    expect(c.batches).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]); // their wait is over: no further delay
    await c.finish();
    expect(c.batches.at(-1)).toEqual([9, 10]);
    await c.finish();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => `x${n}`));
  });

  it('rejects with queue-full beyond queueLimit waiting inputs, and accepts again once a batch leaves the queue', async () => {
    const c = controlledRun();
    const rejected = vi.fn();
    const b = batcher(c.run, { observer: { rejected } });
    const accepted = [1, 2, 3, 4].map((n) => b.submit(n)); // running
    await vi.advanceTimersByTimeAsync(0);
    accepted.push(...[5, 6, 7, 8, 9, 10, 11, 12].map((n) => b.submit(n))); // 8 waiting = queueLimit
    const refused = b.submit(13);
    await expect(refused).rejects.toBeInstanceOf(BatcherRejection);
    await expect(refused).rejects.toMatchObject({ code: 'queue-full' });
    expect(rejected).toHaveBeenCalledTimes(1);
    await c.finish(); // batch [5..8] starts: 4 waiting
    accepted.push(b.submit(13));
    expect(b.depth).toBe(5);
    while (c.pending.length > 0) await c.finish();
    await vi.advanceTimersByTimeAsync(10);
    while (c.pending.length > 0) await c.finish();
    expect(await Promise.all(accepted)).toHaveLength(13);
  });

  it('makes a waiting submitter (a consumer) wait for room instead of failing', async () => {
    const c = controlledRun();
    const b = batcher(c.run, { queueLimit: 4 });
    const first = [1, 2, 3, 4].map((n) => b.submit(n));
    await vi.advanceTimersByTimeAsync(0);
    const queued = [5, 6, 7, 8].map((n) => b.submit(n));
    let settled = false;
    const paused = b.submit(9, { wait: true }).then((out) => ((settled = true), out));
    await vi.advanceTimersByTimeAsync(100);
    expect(settled).toBe(false);
    expect(b.depth).toBe(4);
    await c.finish(); // [5..8] leaves the queue: 9 gets in
    expect(b.depth).toBe(1);
    await c.finish();
    await vi.advanceTimersByTimeAsync(10);
    await c.finish();
    expect(await paused).toBe('x9');
    expect(await Promise.all([...first, ...queued])).toHaveLength(8);
  });

  it('fails only the batch whose run failed; the next batch runs normally', async () => {
    const c = controlledRun();
    const b = batcher(c.run, { isolateFailures: false });
    const firstBatch = Promise.allSettled([1, 2, 3, 4].map((n) => b.submit(n)));
    await vi.advanceTimersByTimeAsync(0);
    const secondBatch = [5, 6].map((n) => b.submit(n));
    c.pending.shift()!.reject(new Error('session.run failed'));
    await vi.advanceTimersByTimeAsync(10);
    expect((await firstBatch).map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.status))).toEqual(Array(4).fill('session.run failed'));
    expect(c.batches).toEqual([[1, 2, 3, 4], [5, 6]]);
    await c.finish();
    expect(await Promise.all(secondBatch)).toEqual(['x5', 'x6']);
  });

  it('isolates a poison input: the failed batch is re-run input by input, only the poison one fails', async () => {
    vi.useRealTimers(); // batches complete on their own here
    const calls: number[][] = [];
    const run = async (inputs: readonly number[]) => {
      calls.push([...inputs]);
      if (inputs.includes(3)) throw new Error('cannot encode 3');
      return inputs.map((n) => `x${n}`);
    };
    const finished = vi.fn();
    const b = batcher(run, { observer: { batchFinished: finished } });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => b.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('cannot encode 3'));
    expect(calls).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
    expect(finished).toHaveBeenCalledWith(4, expect.any(Number), false);
    expect(await b.submit(5)).toBe('x5'); // and it keeps serving
  });

  it('refuses a batch function that returns the wrong number of outputs', async () => {
    vi.useRealTimers(); // batches complete on their own here
    const b = batcher(async (inputs) => inputs.slice(1).map(String), { isolateFailures: false });
    await expect(b.submit(1)).rejects.toThrow('returned 0 outputs for 1 inputs');
  });

  it('reports batch sizes and queue depth to its observer', async () => {
    vi.useRealTimers(); // batches complete on their own here
    const sizes: number[] = [];
    const depths: number[] = [];
    const b = batcher(async (inputs) => inputs.map(String), { observer: { batchStarted: (size) => sizes.push(size), queueDepth: (d) => depths.push(d) } });
    await Promise.all([1, 2, 3, 4, 5].map((n) => b.submit(n)));
    expect(sizes).toEqual([4, 1]);
    expect(Math.max(...depths)).toBe(4);
    expect(depths.at(-1)).toBe(0);
  });

  it('on close flushes the queue without waiting, then refuses new inputs', async () => {
    const c = controlledRun();
    const b = batcher(c.run, { maxWaitMs: 60_000 });
    const queued = b.submit(1);
    const closed = b.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(c.batches).toEqual([[1]]);
    await c.finish();
    await closed;
    expect(await queued).toBe('x1');
    await expect(b.submit(2)).rejects.toMatchObject({ code: 'closed' });
  });

  it('checks its parameters, naming the one that is wrong', () => {
    const run = async (inputs: readonly number[]) => inputs.map(String);
    expect(() => batcher(run, { maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => batcher(run, { maxWaitMs: -1 })).toThrow(/maxWaitMs/);
    expect(() => batcher(run, { maxBatch: 8, queueLimit: 4 })).toThrow(/queueLimit must be an integer ≥ 8/);
  });
});
