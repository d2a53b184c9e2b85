import { describe, expect, it } from 'vitest';
import { randomizeAdjacentPairs, randomizedPairs } from '../../src/ranking/interventions.ts';

const ITEMS = Array.from({ length: 20 }, (_, i) => `p${i + 1}`);

describe('the randomized share (adjacent pairs)', () => {
  it('randomizes about the configured share of searches, each the same way every time', () => {
    const settings = { share: 0.1, depth: 10 };
    let randomized = 0;
    for (let i = 0; i < 5000; i++) {
      const result = randomizeAdjacentPairs(`query-${i}`, ITEMS, settings);
      if (result) randomized++;
      expect(randomizeAdjacentPairs(`query-${i}`, ITEMS, settings)).toEqual(result);
    }
    expect(randomized / 5000).toBeGreaterThan(0.08);
    expect(randomized / 5000).toBeLessThan(0.12);
    expect(randomizeAdjacentPairs('query-1', ITEMS, { share: 0, depth: 10 })).toBeUndefined();
  });

  it('moves products by one place at most, only inside the pairs it names, above the depth', () => {
    const swapsAt = new Map<number, number>();
    let searches = 0;
    for (let i = 0; i < 4000; i++) {
      const result = randomizeAdjacentPairs(`q${i}`, ITEMS, { share: 1, depth: 10 });
      expect(result).toBeDefined();
      const { items, intervention } = result!;
      searches++;
      expect(intervention.kind).toBe('adjacent_pairs');
      expect(intervention.depth).toBe(10);
      const pairs = randomizedPairs(intervention);
      expect(pairs[0]).toBe(intervention.offset + 1);
      expect(pairs.every((upper) => upper + 1 <= 10)).toBe(true);
      expect(intervention.swapped.every((upper) => pairs.includes(upper))).toBe(true);
      items.forEach((id, i) => {
        const was = ITEMS.indexOf(id);
        const swapped = intervention.swapped.some((upper) => upper - 1 === Math.min(i, was));
        expect(was === i || (swapped && Math.abs(was - i) === 1)).toBe(true);
      });
      expect(items.slice(10)).toEqual(ITEMS.slice(10));
      for (const upper of intervention.swapped) swapsAt.set(upper, (swapsAt.get(upper) ?? 0) + 1);
    }
    // Each position 1..9 opens a pair in half the searches and is swapped in half of those.
    for (let upper = 1; upper <= 9; upper++) {
      expect(swapsAt.get(upper)! / searches).toBeGreaterThan(0.2);
      expect(swapsAt.get(upper)! / searches).toBeLessThan(0.3);
    }
  });

  it('keeps short lists whole: a pair needs both its places', () => {
    for (let i = 0; i < 200; i++) {
      const result = randomizeAdjacentPairs(`short-${i}`, ['a', 'b', 'c'], { share: 1, depth: 10 });
      expect(result!.intervention.depth).toBe(3);
      expect(randomizedPairs(result!.intervention).every((upper) => upper + 1 <= 3)).toBe(true);
    }
  });
});
