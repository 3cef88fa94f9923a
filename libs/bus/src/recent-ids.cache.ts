/**
 * A bounded set of recently handled event ids (least recently added evicted first), one per
 * consumer group in a bus instance. It lets the bus skip a re-published or redelivered event the
 * group already handled in this process. Invariant: memory stays O(capacity); an id older than
 * the last `capacity` handled ids, or handled by another process, is not remembered — handlers
 * stay idempotent, this only spares them the common duplicates.
 */
export class RecentIdsCache {
  private readonly ids = new Set<string>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
    }
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.capacity === 0) return;
    // Re-adding moves the id to the young end (Set keeps insertion order).
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}

/** One RecentIdsCache per consumer group of a bus instance, created on first use. */
export class RecentIdsByGroup {
  private readonly caches = new Map<string, RecentIdsCache>();

  constructor(private readonly capacity: number) {}

  forGroup(group: string): RecentIdsCache {
    let cache = this.caches.get(group);
    if (cache === undefined) {
      cache = new RecentIdsCache(this.capacity);
      this.caches.set(group, cache);
    }
    return cache;
  }
}
