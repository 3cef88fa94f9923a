/**
 * A dynamic batcher: callers submit one input at a time, the batcher runs them in batches of at
 * most `maxBatch`, waiting at most `maxWaitMs` after the oldest queued input for a batch to fill.
 * It knows nothing of ONNX or Nest; the embedding service puts the item encoder behind it.
 *
 * Invariants:
 * - one batch runs at a time (one ORT session already uses every intra-op thread, two concurrent
 *   runs only compete for them);
 * - a batch is dispatched as soon as `maxBatch` inputs are queued, or when the oldest queued input
 *   has waited `maxWaitMs`, whichever comes first, and only when no batch is running; inputs
 *   queued while a batch runs go in the next one, in submission order;
 * - back-pressure: at most `queueLimit` inputs wait (not counting the batch running). When the
 *   queue is full `submit` rejects at once with `BatcherRejection('queue-full')` (HTTP answers
 *   503), or, with `{ wait: true }`, waits for room first (a consumer pauses instead of dropping);
 * - error isolation: a failed run rejects only the inputs of its own batch; with
 *   `isolateFailures` (default) a failed batch of several inputs is re-run one input at a time,
 *   so one poison input fails alone and its neighbours still get their results;
 * - `close()` refuses new inputs, runs what is queued without waiting for `maxWaitMs`, rejects
 *   callers still waiting for room, and resolves once every batch has settled.
 */

export type BatcherRejectionCode = 'queue-full' | 'closed';

/** Why the batcher refused an input without running it. */
export class BatcherRejection extends Error {
  constructor(readonly code: BatcherRejectionCode, message: string) {
    super(message);
    this.name = 'BatcherRejection';
  }
}

/** Hooks for metrics; each is called synchronously and must not throw. */
export interface BatcherObserver {
  /** A batch of `size` inputs starts; `queued` inputs are still waiting. */
  readonly batchStarted?: (size: number, queued: number) => void;
  /** A batch ended after `durationMs`; `ok` false when its run failed (before any isolation re-run). */
  readonly batchFinished?: (size: number, durationMs: number, ok: boolean) => void;
  /** The number of waiting inputs changed. */
  readonly queueDepth?: (depth: number) => void;
  /** An input was refused because the queue was full. */
  readonly rejected?: () => void;
}

export interface DynamicBatcherOptions<I, O> {
  /** Largest batch handed to `run` (≥ 1). */
  readonly maxBatch: number;
  /** Longest an input waits for its batch to fill (≥ 0 ms). */
  readonly maxWaitMs: number;
  /** Most inputs waiting at once (≥ maxBatch). */
  readonly queueLimit: number;
  /** Runs one batch; must resolve to one output per input, in order. */
  readonly run: (inputs: readonly I[]) => Promise<readonly O[]>;
  /** Re-run a failed batch input by input (default true). */
  readonly isolateFailures?: boolean;
  readonly observer?: BatcherObserver;
}

export interface SubmitOptions {
  /** Wait for room when the queue is full instead of rejecting (consumers). */
  readonly wait?: boolean;
}

interface Entry<I, O> {
  readonly input: I;
  readonly enqueuedAt: number;
  readonly resolve: (output: O) => void;
  readonly reject: (error: unknown) => void;
}

function positiveInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

export class DynamicBatcher<I, O> {
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly queueLimit: number;
  private readonly isolateFailures: boolean;
  private readonly queue: Array<Entry<I, O>> = [];
  private readonly roomWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private readonly settled = new Set<Promise<void>>();
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly options: DynamicBatcherOptions<I, O>) {
    this.maxBatch = positiveInteger('maxBatch', options.maxBatch, 1);
    if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) {
      throw new RangeError(`maxWaitMs must be a finite number ≥ 0, got ${String(options.maxWaitMs)}`);
    }
    this.maxWaitMs = options.maxWaitMs;
    this.queueLimit = positiveInteger('queueLimit', options.queueLimit, this.maxBatch);
    this.isolateFailures = options.isolateFailures ?? true;
  }

  /** Inputs waiting for a batch. */
  get depth(): number {
    return this.queue.length;
  }

  /** Batches running now (0 or 1). */
  get inFlight(): number {
    return this.running;
  }

  get isClosed(): boolean {
    return this.closing;
  }

  /** The output for `input`, once its batch ran. */
  async submit(input: I, options: SubmitOptions = {}): Promise<O> {
    while (!this.closing && this.queue.length >= this.queueLimit) {
      if (options.wait !== true) {
        this.options.observer?.rejected?.();
        throw new BatcherRejection('queue-full', `the encoder queue is full (${this.queueLimit} inputs waiting); retry shortly`);
      }
      await new Promise<void>((resolve, reject) => this.roomWaiters.push({ resolve, reject }));
    }
    if (this.closing) {
      throw new BatcherRejection('closed', 'the encoder is shutting down');
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, enqueuedAt: Date.now(), resolve, reject });
      this.depthChanged();
      this.pump();
    });
  }

  /** Stops accepting inputs, flushes the queue, resolves when every batch has settled. */
  async close(): Promise<void> {
    this.closing = true;
    for (const waiter of this.roomWaiters.splice(0)) waiter.reject(new BatcherRejection('closed', 'the encoder is shutting down'));
    this.pump();
    while (this.settled.size > 0 || this.queue.length > 0) {
      await Promise.all([...this.settled]);
      this.pump();
    }
    this.clearTimer();
  }

  private pump(): void {
    while (this.running === 0 && this.queue.length > 0) {
      const waited = Date.now() - this.queue[0]!.enqueuedAt;
      if (!this.closing && this.queue.length < this.maxBatch && waited < this.maxWaitMs) {
        this.armTimer(this.maxWaitMs - waited);
        return;
      }
      this.clearTimer();
      this.dispatch(this.queue.splice(0, this.maxBatch));
    }
  }

  private dispatch(batch: Array<Entry<I, O>>): void {
    this.running++;
    this.depthChanged();
    this.wakeRoomWaiters();
    this.options.observer?.batchStarted?.(batch.length, this.queue.length);
    const done = this.runBatch(batch).finally(() => {
      this.running--;
      this.settled.delete(done);
      this.pump();
    });
    this.settled.add(done);
  }

  private async runBatch(batch: Array<Entry<I, O>>): Promise<void> {
    const started = Date.now();
    let outputs: readonly O[];
    try {
      outputs = await this.runChecked(batch.map((entry) => entry.input));
    } catch (error) {
      this.options.observer?.batchFinished?.(batch.length, Date.now() - started, false);
      if (!this.isolateFailures || batch.length === 1) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      // One bad input must not fail its neighbours: re-run one by one, each settles on its own.
      for (const entry of batch) {
        try {
          entry.resolve((await this.runChecked([entry.input]))[0]!);
        } catch (single) {
          entry.reject(single);
        }
      }
      return;
    }
    this.options.observer?.batchFinished?.(batch.length, Date.now() - started, true);
    batch.forEach((entry, index) => entry.resolve(outputs[index]!));
  }

  private async runChecked(inputs: readonly I[]): Promise<readonly O[]> {
    const outputs = await this.options.run(inputs);
    if (outputs.length !== inputs.length) {
      throw new Error(`the batch function returned ${outputs.length} outputs for ${inputs.length} inputs`);
    }
    return outputs;
  }

  private armTimer(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, delayMs));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private wakeRoomWaiters(): void {
    let room = this.queueLimit - this.queue.length;
    while (room-- > 0 && this.roomWaiters.length > 0) this.roomWaiters.shift()!.resolve();
  }

  private depthChanged(): void {
    this.options.observer?.queueDepth?.(this.queue.length);
  }
}
