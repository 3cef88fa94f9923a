/**
 * The bounded LRU of handled event ids: capacity is a hard bound, the newest ids are always kept,
 * and refreshing an id protects it from eviction (example tests plus a fast-check property).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentIdsCache } from './recent-ids.cache';

describe('RecentIdsCache', () => {
  it('remembers the last `capacity` distinct ids and forgets the oldest first', () => {
    const cache = new RecentIdsCache(3);
    for (const id of ['a', 'b', 'c', 'd']) cache.add(id);
    expect(cache.has('a')).toBe(false);
    expect(['b', 'c', 'd'].every((id) => cache.has(id))).toBe(true);
    cache.add('b'); // refreshed: now the youngest
    cache.add('e');
    expect(cache.has('c')).toBe(false);
    expect(cache.has('b')).toBe(true);
    expect(cache.size).toBe(3);
  });

  it('never holds more than its capacity, and always holds the newest id (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 200 }), (capacity, ids) => {
        const cache = new RecentIdsCache(capacity);
        for (const id of ids) {
          cache.add(id);
          expect(cache.size).toBeLessThanOrEqual(capacity);
          expect(cache.has(id)).toBe(true);
        }
        // The last `capacity` distinct ids are all remembered.
        const recent = [...new Set([...ids].reverse())].slice(0, capacity);
        for (const id of recent) expect(cache.has(id)).toBe(true);
      }),
    );
  });

  it('with capacity 0 remembers nothing; refuses a negative capacity', () => {
    const cache = new RecentIdsCache(0);
    cache.add('a');
    expect(cache.has('a')).toBe(false);
    expect(() => new RecentIdsCache(-1)).toThrow(/capacity/);
  });
});
