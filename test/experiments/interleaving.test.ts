import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signTest, twoProportionTest, wilsonInterval } from '../../src/experiments/significance.ts';
import { interleavingCredit, teamDraftInterleave } from '../../src/experiments/team-draft.ts';

const items = (...ids: string[]) => ids.map((id) => ({ id }));

describe('team-draft interleaving', () => {
  it('lets the arms pick in turns, each its best product not yet taken', () => {
    const out = teamDraftInterleave(items('a', 'b', 'c', 'd'), items('b', 'e', 'a', 'f'), 4, () => true);
    expect(out.map((o) => [o.item.id, o.team])).toEqual([
      ['a', 'control'],
      ['b', 'treatment'],
      ['c', 'control'],
      ['e', 'treatment'],
    ]);
  });

  it('shows each product once, keeps both teams within one pick of each other, and each arm in its own order', () => {
    const list = fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 0, maxLength: 20 });
    fc.assert(
      fc.property(list, list, fc.integer({ min: 0, max: 25 }), fc.boolean(), (a, b, length, heads) => {
        const control = a.map((n) => ({ id: `p${n}` }));
        const treatment = b.map((n) => ({ id: `p${n}` }));
        const out = teamDraftInterleave(control, treatment, length, () => heads);
        const ids = out.map((o) => o.item.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(Math.min(length, new Set([...a, ...b]).size));
        const picks = (team: string) => out.filter((o) => o.team === team).map((o) => o.item.id);
        for (const [team, source] of [
          ['control', control],
          ['treatment', treatment],
        ] as const) {
          const order = source.map((p) => p.id);
          const mine = picks(team).map((id) => order.indexOf(id));
          expect(mine).toEqual([...mine].sort((x, y) => x - y));
        }
        // Until one arm runs out, the teams stay balanced.
        if (ids.length === length && length <= Math.min(a.length, b.length))
          expect(Math.abs(picks('control').length - picks('treatment').length)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('credits each click to the team that contributed the product', () => {
    expect(interleavingCredit(['control', 'treatment', 'treatment', undefined], [2, 3, 4])).toEqual({
      control: 0,
      treatment: 2,
    });
  });
});

describe('significance', () => {
  it('gives the exact two-sided sign test', () => {
    expect(signTest(0, 0)).toBe(1);
    expect(signTest(5, 5)).toBeCloseTo(1, 10);
    // P(X <= 2 | n = 10) = 56 / 1024, doubled.
    expect(signTest(8, 2)).toBeCloseTo(112 / 1024, 10);
    expect(signTest(2, 8)).toBeCloseTo(112 / 1024, 10);
    expect(signTest(60, 40)).toBeCloseTo(0.0569, 3);
    expect(signTest(5200, 4800)).toBeLessThan(0.0001);
  });

  it('gives Wilson intervals and a two-proportion test', () => {
    const interval = wilsonInterval(50, 100, 0.05);
    expect(interval.estimate).toBe(0.5);
    expect(interval.low).toBeCloseTo(0.4038, 3);
    expect(interval.high).toBeCloseTo(0.5962, 3);
    expect(twoProportionTest(50, 100, 50, 100)).toBeCloseTo(1, 6);
    expect(twoProportionTest(600, 1000, 500, 1000)).toBeLessThan(0.001);
  });
});
