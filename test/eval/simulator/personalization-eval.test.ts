import { describe, expect, it } from 'vitest';
import { type Product, validateProduct } from '../../../src/catalog/product.ts';
import { preferenceNdcg } from '../../../src/eval/simulator/personalization-eval.ts';
import type { Shopper } from '../../../src/eval/simulator/shoppers.ts';
import { FIXTURE_PRODUCTS } from '../../fixtures/products.ts';

const fixtures = new Map(
  FIXTURE_PRODUCTS.flatMap((record) => {
    const result = validateProduct(record);
    return result.ok ? [[result.product.id, result.product] as [string, Product]] : [];
  }),
);
const fixture = (id: string) => fixtures.get(id)!;

const gardener: Shopper = {
  index: 0,
  userId: 'gardener',
  favouriteCategories: ['Garden > Outdoor Power'],
  favouriteBrands: ['EGO'],
  priceCentre: 200,
  priceTolerance: 0.3,
  sensitivity: { category: 1, brand: 1, price: 1 },
  exploreShare: 0.2,
};

describe('preference NDCG', () => {
  const hit = (id: string) => ({ id, product: fixture(id) });

  it('scores each served list against the best order of everything served', () => {
    const ideal = { hits: ['blower-1', 'mower-2', 'mower-1', 'drill-1'].map(hit) };
    const reversed = { hits: ['drill-1', 'mower-1', 'mower-2', 'blower-1'].map(hit) };
    const partial = { hits: ['mower-1', 'drill-1'].map(hit) };
    const [best, worst, missing] = preferenceNdcg(gardener, [ideal, reversed, partial], 10);
    expect(best).toBe(1);
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1);
    // Grade 1 of an ideal 3, 2, 1: (1 / log2 2) / (3 + 2 / log2 3 + 1 / log2 4)
    expect(missing).toBeCloseTo(1 / (3 + 2 / Math.log2(3) + 0.5), 6);
  });

  it('has nothing to score when nothing served is preferred', () => {
    expect(preferenceNdcg(gardener, [{ hits: [hit('drill-1'), hit('hose-1')] }], 10)).toEqual([undefined]);
  });
});
