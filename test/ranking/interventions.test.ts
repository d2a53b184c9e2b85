import { describe, expect, it } from 'vitest';
import {
  drawPosition,
  randomizeAdjacentPairs,
  randomizedPairs,
  randomizedPositionPairs,
  randomizeSearch,
} from '../../src/ranking/interventions.ts';

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

describe('the randomized share (position 1 with one below it, the rest in pairs)', () => {
  it('pairs every top position once, position 1 with k drawn more often near the top', () => {
    const drawn = new Map<number, number>();
    let swappedTop = 0;
    const searches = 6000;
    for (let i = 0; i < searches; i++) {
      const result = randomizeSearch(`q${i}`, ITEMS, { share: 1, depth: 10 });
      const { items, intervention } = result!;
      if (intervention.kind !== 'random_pairs') throw new Error(intervention.kind);
      expect(intervention.depth).toBe(10);
      const pairs = randomizedPositionPairs(intervention);
      expect(pairs[0]![0]).toBe(1);
      const positions = pairs.flat().sort((a, b) => a - b);
      expect(new Set(positions).size).toBe(positions.length);
      expect(positions.length).toBeGreaterThanOrEqual(9);
      expect(positions.every((p) => p >= 1 && p <= 10)).toBe(true);
      // Each product is where it was or at the other end of its own pair, if that pair was swapped.
      items.forEach((id, i) => {
        const was = ITEMS.indexOf(id);
        if (was === i) return;
        const pair = intervention.pairs.find(
          (p) => p.swapped && [p.upper, p.lower].includes(i + 1) && [p.upper, p.lower].includes(was + 1),
        );
        expect(pair, `${id} at ${i + 1}`).toBeDefined();
      });
      expect(items.slice(10)).toEqual(ITEMS.slice(10));
      const k = intervention.pairs[0]!.lower;
      drawn.set(k, (drawn.get(k) ?? 0) + 1);
      if (intervention.pairs[0]!.swapped) swappedTop++;
    }
    expect(swappedTop / searches).toBeGreaterThan(0.45);
    expect(swappedTop / searches).toBeLessThan(0.55);
    // P(k) is proportional to 1 / k over 2..10.
    const total = Array.from({ length: 9 }, (_, i) => 1 / (i + 2)).reduce((a, b) => a + b, 0);
    for (const k of [2, 5, 10]) expect(drawn.get(k)! / searches).toBeCloseTo(1 / k / total, 1);
    expect(drawn.get(2)!).toBeGreaterThan(drawn.get(10)! * 3);
  });

  it('draws k from the whole range and keeps short lists whole', () => {
    expect(drawPosition(10, 0)).toBe(2);
    expect(drawPosition(10, 0.999999)).toBe(10);
    expect(drawPosition(2, 0.7)).toBe(2);
    for (let i = 0; i < 200; i++) {
      const result = randomizeSearch(`short-${i}`, ['a', 'b', 'c'], { share: 1, depth: 10 });
      expect(result!.intervention.depth).toBe(3);
      expect(
        randomizedPositionPairs(result!.intervention)
          .flat()
          .every((p) => p <= 3),
      ).toBe(true);
    }
    expect(randomizeSearch('one', ['a'], { share: 1, depth: 10 })).toBeUndefined();
  });
});
