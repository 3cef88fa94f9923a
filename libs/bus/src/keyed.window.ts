/**
 * The messages of one partition that a subscription handles at once, the same for both adapters:
 * at most `limit` in flight, never two with one key (a null key orders nothing), started in
 * offset order; the commit point only moves past a message once it and every earlier message of
 * the window settled with 'commit'.
 * Invariants: per-key order holds (a message starts only after the previous one of its key
 * settled); the commit point never passes a message that is running or was kept; once a message
 * is kept (closing, stopped, lost partition) no further message starts in this window.
 */
export type WindowOutcome = 'commit' | 'keep';

interface Slot {
  readonly offset: bigint;
  outcome: WindowOutcome | undefined;
  /** Resolves once the message settled and the window took note. */
  settled?: Promise<void>;
}

export class KeyedWindow {
  private readonly slots: Slot[] = [];
  private readonly busyKeys = new Set<string>();
  private readonly running = new Set<Slot>();
  private wakeUp: (() => void) | undefined;
  /** The highest commit point reached and not yet passed to `commit`. */
  private target: bigint | undefined;
  private flushing = false;
  private flushed: Promise<void> = Promise.resolve();
  private commitError: unknown;
  private keptOne = false;

  /**
   * @param limit messages in flight at once (1 = one after the other)
   * @param commit called one at a time with the next offset to consume, in increasing order, as
   *   the settled prefix grows (points reached during a commit are folded into the next one)
   */
  constructor(
    private readonly limit: number,
    private readonly commit: (nextOffset: bigint) => Promise<void> | void,
  ) {}

  /** True once a message was kept: start no more, drain, and read again from the commit point. */
  get kept(): boolean {
    return this.keptOne;
  }

  /**
   * Waits until the window has room and `key` is idle, then starts `handle` and returns true
   * without waiting for it; returns false, starting nothing, once the window has kept a message.
   * One caller (a partition's delivery loop) calls it, one call at a time, in offset order.
   */
  async start(offset: bigint, key: string | null, handle: () => Promise<WindowOutcome>): Promise<boolean> {
    while (!this.keptOne && (this.running.size >= this.limit || (key !== null && this.busyKeys.has(key)))) {
      await new Promise<void>((resolve) => (this.wakeUp = resolve));
    }
    if (this.keptOne) return false;
    const slot: Slot = { offset, outcome: undefined };
    this.slots.push(slot);
    this.running.add(slot);
    if (key !== null) this.busyKeys.add(key);
    slot.settled = (async () => {
      try {
        slot.outcome = await handle();
      } catch {
        slot.outcome = 'keep';
      }
      if (key !== null) this.busyKeys.delete(key);
      if (slot.outcome === 'keep') this.keptOne = true;
      this.running.delete(slot);
      this.advance();
      this.wakeUp?.();
    })();
    return true;
  }

  /** Resolves once every started message settled and every commit it allowed was made; rejects with a failed commit. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running].map((slot) => slot.settled));
    await this.flushed; // no commit point can be reached once nothing runs
    if (this.commitError !== undefined) throw this.commitError;
  }

  private advance(): void {
    let next: bigint | undefined;
    while (this.slots.length > 0 && this.slots[0]!.outcome === 'commit') next = this.slots.shift()!.offset + 1n;
    if (next === undefined) return;
    this.target = next;
    if (this.flushing) return; // the running flush picks the new target up
    this.flushing = true;
    this.flushed = this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.target !== undefined && this.commitError === undefined) {
        const to = this.target;
        this.target = undefined;
        try {
          await this.commit(to);
        } catch (error) {
          // Nothing may be committed past a failed commit: the window stops here.
          this.commitError = error;
          this.keptOne = true;
          this.wakeUp?.();
        }
      }
    } finally {
      // In the same synchronous step as the last check of `target`: no commit point is lost.
      this.flushing = false;
    }
  }
}
