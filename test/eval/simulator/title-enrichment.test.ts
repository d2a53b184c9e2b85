import { describe, expect, it } from 'vitest';
import { validateProduct } from '../../../src/catalog/product.ts';
import {
  BrandDetector,
  deriveCategory,
  derivePrice,
  enrichmentCategories,
  enrichTitleOnlyProducts,
  singular,
} from '../../../src/eval/simulator/title-enrichment.ts';

const TITLES = [
  'Simpson Strong-Tie 12-Gauge Angle',
  'Simpson Strong-Tie Z-MAX 2 in. x 6 in. Galvanized Joist Hanger',
  'BEHR Premium Textured DeckOver 1-gal. #SC-141 Tugboat Wood and Concrete Coating',
  'BEHR Premium 1-gal. #ST-330 Redwood Semi-Transparent Waterproofing Exterior Wood Stain',
  'Delta Vero 1-Handle Shower Only Faucet Trim Kit in Chrome (Valve Not Included)',
  'Delta Foundations Single-Handle Kitchen Faucet in Chrome',
  'Delta Panache Handle for Sliding Tub or Shower Door in Oil Rubbed Bronze',
  'Hampton Bay Belleville Tile Top Patio Coffee Table',
  'Hampton Bay 52 in. Ceiling Fan with Light Kit',
  'Whirlpool 1.9 cu. ft. Over the Range Convection Microwave in Stainless Steel with Sensor Cooking',
  'Briggs &amp; Stratton 0.25 in. x 0.25 in. x 1.25 in. Governor Spring',
  '1/4 in. Nylon Washer (4-Piece)',
  'Philips 60W Equivalent Daylight (5000K) A19 Dimmable LED Light Bulb',
  'Werner 24 ft. Fiberglass Extension Ladder with 300 lb. Load Capacity',
];

describe('brands from titles', () => {
  const brands = new BrandDetector(TITLES);

  it('takes the leading words every title of the brand shares', () => {
    expect(brands.brand(TITLES[0]!)).toBe('Simpson Strong-Tie');
    expect(brands.brand(TITLES[7]!)).toBe('Hampton Bay');
    expect(brands.brand(TITLES[9]!)).toBe('Whirlpool');
    expect(brands.brand(TITLES[13]!)).toBe('Werner');
  });

  it('stops where titles of one brand part ways (product lines stay out)', () => {
    expect(brands.brand(TITLES[4]!)).toBe('Delta');
    expect(brands.brand(TITLES[5]!)).toBe('Delta');
    expect(brands.brand(TITLES[2]!)).toBe('BEHR Premium'); // both BEHR titles continue with Premium
  });

  it('joins words with "&" and gives measurement-first titles no brand', () => {
    expect(brands.brand(TITLES[10]!)).toBe('Briggs & Stratton');
    expect(brands.brand(TITLES[11]!)).toBeUndefined();
  });

  it('counts a product line of its own once it starts 40 titles', () => {
    const lines = [
      ...Array.from({ length: 40 }, (_, i) => `Milwaukee M18 Tool ${i}`),
      ...Array.from({ length: 60 }, (_, i) => `Milwaukee ${i} in. Blade`),
    ];
    const detector = new BrandDetector(lines);
    expect(detector.brand('Milwaukee M18 Fuel Drill')).toBe('Milwaukee M18');
    expect(detector.brand('Milwaukee Sawzall Blade')).toBe('Milwaukee');
  });
});

describe('categories from titles', () => {
  it('takes the product type named last in the title head', () => {
    expect(deriveCategory(TITLES[9]!, 'Whirlpool')).toEqual(['Appliances', 'Microwaves']);
    expect(deriveCategory(TITLES[8]!, 'Hampton Bay')).toEqual(['Lighting', 'Ceiling Fans']);
    expect(deriveCategory(TITLES[7]!, 'Hampton Bay')).toEqual(['Furniture', 'Living Room']);
    expect(deriveCategory(TITLES[4]!, 'Delta')).toEqual(['Bath', 'Showers']);
    expect(deriveCategory(TITLES[5]!, 'Delta')).toEqual(['Kitchen', 'Kitchen Faucets']);
    expect(deriveCategory(TITLES[3]!, 'BEHR Premium')).toEqual(['Paint', 'Stains & Sealers']);
    expect(deriveCategory(TITLES[12]!, 'Philips')).toEqual(['Lighting', 'Light Bulbs']);
    expect(deriveCategory(TITLES[11]!)).toEqual(['Hardware', 'Fasteners']);
    expect(deriveCategory(TITLES[13]!, 'Werner')).toEqual(['Tools', 'Ladders']);
  });

  it('matches plurals, ignores the brand, and falls back to Other', () => {
    expect(singular('batteries')).toBe('battery');
    expect(singular('benches')).toBe('bench');
    expect(singular('glass')).toBe('glass');
    expect(deriveCategory('Set of 4 Dining Chairs')).toEqual(['Furniture', 'Office & Dining']);
    expect(deriveCategory('Hampton Bay Thingamajig')).toEqual(['Other']);
    expect(deriveCategory('Window Master 3000 Gizmo', 'Window Master')).toEqual(['Other']);
  });
});

describe('prices', () => {
  it('is fixed by the id, shop-like and log-normal around the category centre', () => {
    expect(derivePrice('100001', 50)).toBe(derivePrice('100001', 50));
    const prices = Array.from({ length: 2000 }, (_, i) => derivePrice(String(100000 + i), 50));
    expect(new Set(prices).size).toBeGreaterThan(100);
    for (const price of prices) {
      expect(price).toBeGreaterThan(0);
      expect(Math.round(price * 100) % 10).toBe(7); // .97 or .x7
    }
    const sorted = [...prices].sort((a, b) => a - b);
    const median = sorted[1000]!;
    expect(median).toBeGreaterThan(45);
    expect(median).toBeLessThan(55);
    expect(sorted[1800]! / median).toBeGreaterThan(1.8); // a long right tail
  });

  it('centres each category on its own typical price', () => {
    const centres = new Map(enrichmentCategories().map((c) => [c.path.join(' > '), c.price]));
    expect(centres.get('Appliances > Refrigerators')).toBeGreaterThan(
      centres.get('Hardware > Fasteners')! * 50,
    );
  });
});

describe('enriched records', () => {
  it('are valid products for the ingest API', () => {
    const records = enrichTitleOnlyProducts(TITLES.map((title, i) => ({ id: 100001 + i, title })));
    expect(records).toHaveLength(TITLES.length);
    for (const record of records) expect(validateProduct(record).ok).toBe(true);
    expect(records[9]).toMatchObject({
      id: '100010',
      brand: 'Whirlpool',
      category: ['Appliances', 'Microwaves'],
      currency: 'USD',
    });
    expect(records[11]!.brand).toBeUndefined();
    expect(enrichTitleOnlyProducts(TITLES.map((title, i) => ({ id: 100001 + i, title })))).toEqual(records);
  });
});
