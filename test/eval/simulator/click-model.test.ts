import { describe, expect, it } from 'vitest';
import {
  attractionParts,
  clickProbability,
  decideActions,
  examinationProbability,
  queryMatch,
  type ShownProduct,
} from '../../../src/eval/simulator/click-model.ts';
import { randomStream } from '../../../src/eval/simulator/sampling.ts';
import type { Shopper } from '../../../src/eval/simulator/shoppers.ts';

const shopper: Shopper = {
  index: 0,
  userId: 'u',
  favouriteCategories: ['Garden > Outdoor Power'],
  favouriteBrands: ['EGO'],
  priceCentre: 200,
  priceTolerance: 0.3,
  sensitivity: { category: 1, brand: 1, price: 1 },
  exploreShare: 0.2,
};

/** A product of the given preference grade for `shopper`, titled to match "leaf blower". */
function product(id: string, grade: 0 | 1 | 2 | 3) {
  const category = grade === 0 ? ['Tools', 'Hand Tools'] : ['Garden', 'Outdoor Power', 'Leaf Blowers'];
  const brand = grade >= 2 ? 'EGO' : 'Ryobi';
  const price = grade === 3 ? 199 : 20;
  return { id, title: `${brand} Cordless Leaf Blower`, brand, category, price };
}

function list(grades: readonly (0 | 1 | 2 | 3)[]): ShownProduct[] {
  return grades.map((grade, i) => ({ product: product(`p${i}`, grade), position: i + 1 }));
}

describe('the click model', () => {
  it('examines fewer products further down: 1 / rank^eta', () => {
    expect(examinationProbability(1, 1)).toBe(1);
    expect(examinationProbability(4, 1)).toBe(0.25);
    expect(examinationProbability(4, 0.5)).toBe(0.5);
  });

  it('clicks less further down the same list, position by position (position bias)', () => {
    const shown = list(Array.from({ length: 20 }, () => 2 as const));
    const clicks = new Array(20).fill(0);
    const random = randomStream(5, 'position-bias');
    const lists = 4000;
    for (let i = 0; i < lists; i++) {
      for (const action of decideActions(shopper, 'leaf blower', shown, random)) {
        if (action.type === 'click') clicks[action.position - 1]++;
      }
    }
    const ctr = clicks.map((c) => c / lists);
    const parts = attractionParts(shopper, 'leaf blower', shown[0]!.product);
    expect(ctr[0]).toBeCloseTo(parts.relevant + parts.complement + parts.noise, 1);
    expect(ctr[1]! / ctr[0]!).toBeGreaterThan(0.4);
    expect(ctr[1]! / ctr[0]!).toBeLessThan(0.6); // 1/2 for eta = 1
    expect(ctr[0]).toBeGreaterThan(ctr[2]!);
    expect(ctr[2]).toBeGreaterThan(ctr[9]!);
    expect(ctr[9]).toBeGreaterThan(ctr[19]! * 1.2);
  });

  it('clicks, carts and buys more of what the shopper prefers', () => {
    const random = randomStream(9, 'preference');
    const byGrade = [0, 1, 2, 3].map(() => ({ click: 0, add_to_cart: 0, purchase: 0 }));
    for (let i = 0; i < 6000; i++) {
      const shown = list([0, 1, 2, 3]);
      // Rotate so every grade is seen at every position equally often.
      const rotated = shown.map((s, j) => ({ ...s, position: ((j + i) % 4) + 1 }));
      for (const action of decideActions(shopper, 'leaf blower', rotated, random)) {
        byGrade[action.grade]![action.type]++;
      }
    }
    for (const type of ['click', 'add_to_cart', 'purchase'] as const) {
      for (let grade = 1; grade < 4; grade++) {
        expect(byGrade[grade]![type]).toBeGreaterThan(byGrade[grade - 1]![type]);
      }
    }
    expect(byGrade[0]!.click).toBeGreaterThan(0); // some noise clicks
  });

  it('finds titles that match the query more attractive', () => {
    expect(queryMatch('cordless leaf blowers', 'EGO 56V Cordless Leaf Blower')).toBe(1);
    expect(queryMatch('leaf blower', 'EGO Backpack Blower')).toBe(0.5);
    const [matching] = list([2]);
    const other = { ...matching!, product: { ...matching!.product, title: 'EGO Power Unit' } };
    expect(clickProbability(shopper, 'leaf blower', matching!)).toBeGreaterThan(
      clickProbability(shopper, 'leaf blower', other),
    );
  });

  it('is reproducible for a seed, and orders a product click, cart, purchase in time', () => {
    const shown = list([3, 3, 2, 1, 0, 3, 2, 3, 3, 3]);
    const run = (seed: number) =>
      Array.from({ length: 50 }, (_, i) =>
        decideActions(shopper, 'leaf blower', shown, randomStream(seed, i)),
      );
    const first = run(1);
    expect(run(1)).toEqual(first);
    expect(run(2)).not.toEqual(first);
    const actions = first.flat();
    expect(actions.some((a) => a.type === 'purchase')).toBe(true);
    for (const session of first) {
      const delays = session.map((a) => a.delayMs);
      expect(delays).toEqual([...delays].sort((a, b) => a - b));
      for (const purchase of session.filter((a) => a.type === 'purchase')) {
        const cart = session.find((a) => a.type === 'add_to_cart' && a.productId === purchase.productId)!;
        const click = session.find((a) => a.type === 'click' && a.productId === purchase.productId)!;
        expect(click.delayMs).toBeLessThan(cart.delayMs);
        expect(cart.delayMs).toBeLessThan(purchase.delayMs);
      }
    }
  });
});
