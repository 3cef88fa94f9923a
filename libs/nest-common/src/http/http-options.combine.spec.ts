import { describe, expect, it } from 'vitest';
import { combineHttpOptions } from './http-options.combine';

describe('combineHttpOptions', () => {
  it('keeps per-route JSON limits and raw routes of every part', () => {
    expect(combineHttpOptions({ rawBody: { routes: ['a'] } }, { jsonRoutes: [{ routes: ['b'], limit: 10 }] }, {})).toEqual({
      jsonRoutes: [{ routes: ['b'], limit: 10 }],
      rawBody: { routes: ['a'] },
    });
  });

  it('refuses two different defaults rather than widening every route', () => {
    expect(() => combineHttpOptions({ jsonLimit: '1mb' }, { jsonLimit: 2048 })).toThrow(/jsonLimit differs/);
    expect(() => combineHttpOptions({ rawBody: { routes: ['a'], limit: 1 } }, { rawBody: { routes: ['b'], limit: 2 } })).toThrow(/rawBody\.limit differs/);
  });
});
