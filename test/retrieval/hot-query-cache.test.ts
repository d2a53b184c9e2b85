import { describe, expect, it } from 'vitest';
import { HotQueryCache, hotQueryKey } from '../../src/retrieval/hot-query-cache.ts';
import type { SearchRequest } from '../../src/retrieval/search-request.ts';

const base: SearchRequest = {
  q: 'cordless drill',
  filters: { brand: ['Bosch'], priceMax: 100 },
  facets: ['brand', 'price'],
  page: 1,
  size: 20,
  sort: 'relevance',
  explain: false,
};

describe('hot-query cache', () => {
  it('keys on the shopper-independent request only', () => {
    const key = hotQueryKey(base, 'enc-1');
    expect(hotQueryKey({ ...base, q: ' cordless   drill ', userId: 'u1', sessionId: 's1' }, 'enc-1')).toBe(
      key,
    );
    expect(
      hotQueryKey(
        { ...base, filters: { priceMax: 100, brand: ['Bosch'] }, facets: ['price', 'brand'] },
        'enc-1',
      ),
    ).toBe(key);
    expect(hotQueryKey({ ...base, page: 2 }, 'enc-1')).not.toBe(key);
    expect(hotQueryKey({ ...base, filters: { brand: ['Bosch'] } }, 'enc-1')).not.toBe(key);
    expect(hotQueryKey(base, 'enc-2')).not.toBe(key);
  });

  it('expires entries, empties on invalidate, never stores a result computed across one, stays bounded', () => {
    let now = 0;
    const counts = { hits: 0, misses: 0, invalidations: [] as string[] };
    const cache = new HotQueryCache<number>({
      maxEntries: 2,
      ttlMs: 1000,
      now: () => now,
      onHit: () => counts.hits++,
      onMiss: () => counts.misses++,
      onInvalidate: (reason) => counts.invalidations.push(reason),
    });
    cache.set('a', 1, cache.currentEpoch);
    expect(cache.get('a')).toBe(1);
    now = 1000;
    expect(cache.get('a')).toBeUndefined();

    cache.set('a', 2, cache.currentEpoch);
    const epoch = cache.currentEpoch;
    cache.invalidate('catalog');
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', 3, epoch); // computed before the invalidation: dropped
    expect(cache.get('b')).toBeUndefined();

    for (const key of ['x', 'y', 'z']) cache.set(key, 0, cache.currentEpoch);
    expect(cache.size).toBe(2);
    expect(cache.get('x')).toBeUndefined();
    expect(counts).toEqual({ hits: 1, misses: 4, invalidations: ['catalog'] });
  });
});
