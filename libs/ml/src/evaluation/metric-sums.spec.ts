import { describe, expect, it } from 'vitest';
import { addMetrics, emptyMetrics, meanMetrics } from './metric-sums';

describe('metric sums', () => {
  it('adds field by field, with emptyMetrics as identity', () => {
    const a = { users: 1, hr10: 1, ndcg10: 0.5, recall20: 1, ndcg20: 0.25 };
    const b = { users: 2, hr10: 1, ndcg10: 1, recall20: 0.5, ndcg20: 0.75 };
    expect(addMetrics(a, b)).toEqual({ users: 3, hr10: 2, ndcg10: 1.5, recall20: 1.5, ndcg20: 1 });
    expect(addMetrics(emptyMetrics(), a)).toEqual(a);
    expect(a).toEqual({ users: 1, hr10: 1, ndcg10: 0.5, recall20: 1, ndcg20: 0.25 }); // inputs untouched
  });

  it('divides every sum by the user count', () => {
    // 4 users: 3 hits → 0.75; NDCG sum 2 → 0.5; recall sum 3 → 0.75; NDCG@20 sum 1 → 0.25.
    expect(meanMetrics({ users: 4, hr10: 3, ndcg10: 2, recall20: 3, ndcg20: 1 })).toEqual({ users: 4, hr10: 0.75, ndcg10: 0.5, recall20: 0.75, ndcg20: 0.25 });
  });

  it('refuses a mean over no users', () => {
    expect(() => meanMetrics(emptyMetrics())).toThrow(/sums\.users is 0/);
    expect(() => meanMetrics({ ...emptyMetrics(), users: -1 })).toThrow(RangeError);
  });
});
