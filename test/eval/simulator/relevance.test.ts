import { describe, expect, it } from 'vitest';
import {
  attractionParts,
  DEFAULT_CLICK_MODEL,
  decideActions,
  hiddenPopularity,
  type ShownProduct,
} from '../../../src/eval/simulator/click-model.ts';
import {
  isComplement,
  judgedRelevance,
  productKind,
  titleRelevance,
} from '../../../src/eval/simulator/relevance.ts';
import { randomStream } from '../../../src/eval/simulator/sampling.ts';
import type { Shopper } from '../../../src/eval/simulator/shoppers.ts';
import { analyze } from '../../../src/text/analyzer.ts';

const shopper: Shopper = {
  index: 0,
  userId: 'u',
  favouriteCategories: ['Tools > Power Tools'],
  favouriteBrands: ['DEWALT'],
  priceCentre: 150,
  priceTolerance: 0.3,
  sensitivity: { category: 1, brand: 1, price: 1 },
  exploreShare: 0.2,
};

const drill = { id: 'drill', title: 'DEWALT 20V Cordless Drill', brand: 'DEWALT', price: 150 };
const battery = { id: 'battery', title: 'DEWALT 20V Drill Battery', brand: 'DEWALT', price: 150 };
const mower = { id: 'mower', title: 'Honda Self-Propelled Lawn Mower', brand: 'Honda', price: 400 };

function clicksOf(query: string, shown: ShownProduct[], parameters = DEFAULT_CLICK_MODEL, lists = 4000) {
  const random = randomStream(3, query, parameters.clicks);
  const clicks = new Map<string, number>();
  for (let i = 0; i < lists; i++) {
    for (const action of decideActions(shopper, query, shown, random, parameters)) {
      if (action.type === 'click') clicks.set(action.productId, (clicks.get(action.productId) ?? 0) + 1);
    }
  }
  return clicks;
}

describe('the relevance oracle and complements', () => {
  it('tells a product of the kind searched for from a complement that names it', () => {
    expect(productKind(drill)).toBe('drill');
    expect(productKind(battery)).toBe(analyze('battery')[0]);
    expect(isComplement('drill', battery)).toBe(true);
    expect(isComplement('drill', drill)).toBe(false);
    expect(isComplement('drill battery', battery)).toBe(false); // asked for by name
    expect(isComplement('drill', mower)).toBe(false);
    expect(titleRelevance.relevance('drill', drill)).toBe(1);
    expect(titleRelevance.relevance('drill', battery)).toBeLessThan(0.5);
  });

  it('takes human grades where a query is judged, a low default for unjudged products', () => {
    const oracle = judgedRelevance(
      new Map([
        [
          'Cordless Drill',
          new Map([
            ['drill', 3],
            ['mower', 1],
          ]),
        ],
      ]),
      0.05,
    );
    expect(oracle.relevance('cordless drill', drill)).toBe(1);
    expect(oracle.relevance('cordless drill', mower)).toBe(0);
    expect(oracle.relevance('cordless drill', battery)).toBe(0.05);
    expect(oracle.relevance('lawn mower', mower)).toBe(1); // not judged: the title decides
  });

  it('clicks the relevant product most, complements less, and everything now and then', () => {
    const shown = [drill, battery, mower].map((product) => ({ product, position: 1 }));
    const clicks = clicksOf('drill', shown);
    expect(clicks.get('drill')!).toBeGreaterThan(1.3 * clicks.get('battery')!);
    expect(clicks.get('battery')!).toBeGreaterThan(2 * clicks.get('mower')!);
    expect(clicks.get('mower')!).toBeGreaterThan(0); // noise
    expect(attractionParts(shopper, 'drill', battery).complement).toBeGreaterThan(0);
    expect(attractionParts(shopper, 'lawn mower', battery).complement).toBe(0);
  });

  it('has degenerate click models that ignore relevance: noise and popularity', () => {
    const shown = [drill, battery, mower].map((product) => ({ product, position: 1 }));
    const noise = clicksOf('drill', shown, { ...DEFAULT_CLICK_MODEL, clicks: 'noise' });
    const counts = [...noise.values()];
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThan(1.3);
    const popularity = { ...DEFAULT_CLICK_MODEL, clicks: 'popularity' as const };
    for (const product of [drill, battery, mower]) {
      const forDrill = attractionParts(shopper, 'drill', product, popularity).relevant;
      expect(attractionParts(shopper, 'lawn mower', product, popularity).relevant).toBe(forDrill);
    }
    const popular = Array.from({ length: 2000 }, (_, i) => hiddenPopularity(`p${i}`));
    expect(popular.filter((p) => p > 0.5).length).toBeLessThan(0.2 * popular.length);
    expect(new Set(popular).size).toBeGreaterThan(1900);
  });
});
