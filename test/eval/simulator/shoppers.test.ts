import { describe, expect, it } from 'vitest';
import { demoCatalog } from '../../../src/catalog/demo-catalog.ts';
import { type Product, validateProduct } from '../../../src/catalog/product.ts';
import { nextQuery, productTypeWords, titleHead } from '../../../src/eval/simulator/queries.ts';
import { randomStream } from '../../../src/eval/simulator/sampling.ts';
import {
  createShoppers,
  preference,
  preferenceScore,
  type Shopper,
} from '../../../src/eval/simulator/shoppers.ts';
import { SimulationCatalog } from '../../../src/eval/simulator/simulation-catalog.ts';
import { FIXTURE_PRODUCTS } from '../../fixtures/products.ts';

function validated(records: readonly unknown[]): Product[] {
  return records.flatMap((record) => {
    const result = validateProduct(record);
    return result.ok ? [result.product] : [];
  });
}

const fixtures = new Map(validated(FIXTURE_PRODUCTS).map((p) => [p.id, p]));
const fixture = (id: string) => fixtures.get(id)!;
const demo = new SimulationCatalog(validated(demoCatalog()));

/** Likes outdoor power equipment, EGO, and about $200 give or take a little. */
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

describe('shopper preferences', () => {
  it('grades fixture products by category, brand and price fit', () => {
    expect(preference(gardener, fixture('blower-1'))).toBe(3); // all three
    expect(preference(gardener, fixture('mower-2'))).toBe(2); // category and brand, too dear
    expect(preference(gardener, fixture('mower-1'))).toBe(1); // category only
    expect(preference(gardener, fixture('hose-1'))).toBe(0); // only the Garden department
    expect(preference(gardener, fixture('drill-1'))).toBe(0);
    expect(preference(gardener, fixture('bare-1'))).toBe(0); // no brand, category or price
  });

  it('depends on brand, category and price only, and weighs them by sensitivity', () => {
    const blower = fixture('blower-1');
    expect(preferenceScore(gardener, { ...blower, title: 'anything at all' } as Product)).toBe(
      preferenceScore(gardener, blower),
    );
    const brandLover = { ...gardener, sensitivity: { category: 0.2, brand: 3, price: 0.2 } };
    const honda = fixture('mower-1');
    const egoDrill = { ...fixture('drill-1'), brand: 'EGO' };
    expect(preferenceScore(brandLover, egoDrill)).toBeGreaterThan(preferenceScore(brandLover, honda));
    const categoryLover = { ...gardener, sensitivity: { category: 3, brand: 0.2, price: 0.2 } };
    expect(preferenceScore(categoryLover, egoDrill)).toBeLessThan(preferenceScore(categoryLover, honda));
  });

  it('leaves out a part of the taste the catalog cannot express', () => {
    const noPrices = { ...gardener, priceCentre: undefined, favouriteBrands: [] };
    expect(preference(noPrices, fixture('mower-1'))).toBe(3);
    expect(preference(noPrices, fixture('hose-1'))).toBe(2);
  });

  it('draws a reproducible population from the catalog', () => {
    const shoppers = createShoppers(demo, { count: 40, seed: 7 });
    expect(createShoppers(demo, { count: 40, seed: 7 })).toEqual(shoppers);
    expect(createShoppers(demo, { count: 40, seed: 8 })).not.toEqual(shoppers);
    const brands = new Set(demo.products.map((p) => p.brand));
    for (const shopper of shoppers) {
      expect(shopper.userId).toBe(`shopper-7-${shopper.index}`);
      expect(shopper.favouriteCategories.length).toBeGreaterThan(0);
      for (const path of shopper.favouriteCategories) expect(demo.inCategory(path).length).toBeGreaterThan(0);
      for (const brand of shopper.favouriteBrands) expect(brands.has(brand)).toBe(true);
      expect(shopper.priceCentre).toBeGreaterThan(0);
    }
    // Both levels of the tree occur, and tastes differ.
    const depths = new Set(shoppers.flatMap((s) => s.favouriteCategories.map((c) => c.split(' > ').length)));
    expect(depths.size).toBeGreaterThan(1);
    expect(new Set(shoppers.map((s) => s.favouriteBrands.join())).size).toBeGreaterThan(20);
  });

  it('finds preferred and unwanted products in the same catalog', () => {
    const grades = [0, 0, 0, 0];
    for (const shopper of createShoppers(demo, { count: 20, seed: 3 })) {
      for (const product of demo.products) grades[preference(shopper, product)]!++;
    }
    for (const count of grades) expect(count).toBeGreaterThan(100);
  });
});

describe('shopper queries', () => {
  it('takes the product-type words of a title', () => {
    expect(titleHead('Delta Vero 1-Handle Shower Faucet Trim Kit in Chrome (Valve Not Included)')).toBe(
      'Delta Vero 1-Handle Shower Faucet Trim Kit',
    );
    expect(productTypeWords('Honda 21 in. Self-Propelled Gas Lawn Mower', 'Honda')).toEqual([
      'self-propelled',
      'gas',
      'lawn',
      'mower',
    ]);
    expect(
      productTypeWords(
        'Philips 4 ft. T8 32-Watt Cool White (4100K) Linear Fluorescent Light Bulb',
        'Philips',
      ),
    ).toEqual(['cool', 'white', 'linear', 'fluorescent', 'light', 'bulb']);
  });

  it('aims most queries at the favourite categories, with the same queries for the same seed', () => {
    const [shopper] = createShoppers(demo, { count: 1, seed: 11 });
    const draw = () => {
      const random = randomStream(11, 'queries');
      return Array.from({ length: 200 }, () => nextQuery(shopper!, demo, random));
    };
    const queries = draw();
    expect(draw()).toEqual(queries);
    const favourite = queries.filter((q) => q.intent === 'favourite');
    expect(favourite.length / queries.length).toBeGreaterThan(1 - shopper!.exploreShare - 0.1);
    expect(favourite.length).toBeLessThan(queries.length);
    const inFavourites = new Set(
      shopper!.favouriteCategories.flatMap((c) => demo.inCategory(c).map((p) => p.id)),
    );
    for (const q of favourite) expect(inFavourites.has(q.sourceProductId)).toBe(true);
    for (const q of queries) expect(q.q.trim().length).toBeGreaterThan(0);
    expect(new Set(queries.map((q) => q.q)).size).toBeGreaterThan(10);
  });
});
