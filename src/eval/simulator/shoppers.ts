/**
 * Simulated shoppers and their hidden taste. A shopper likes a few categories (a path at
 * any level of the tree), a few brands and a price range (log-normal around a personal
 * centre), and cares about each of the three to a personal degree. All of it is drawn from
 * the catalog with a seeded generator, so favourites are things the catalog sells.
 *
 * `preference` grades how much a shopper wants a product, 0..3 like a relevance judgment,
 * from brand, category and price only: fields the service stores and a shopper's events
 * reveal, so a ranker can in principle learn the taste from the shopper's history.
 */
import { categoryPrefixes } from '../../catalog/product.ts';
import { gaussian, integerBetween, pickOne, type Random, randomStream, uniformBetween } from './sampling.ts';
import type { ShopperProduct, SimulationCatalog } from './simulation-catalog.ts';

export interface Shopper {
  /** 0-based position in the generated population; keys the shopper's random streams. */
  index: number;
  userId: string;
  favouriteCategories: string[];
  favouriteBrands: string[];
  /** Centre of the preferred price range; absent when the catalog has no prices. */
  priceCentre?: number;
  /** Standard deviation of the preferred log price: how far from the centre still pleases. */
  priceTolerance: number;
  /** How much each part of the taste counts (relative weights). */
  sensitivity: { category: number; brand: number; price: number };
  /** Share of this shopper's queries that look outside the favourite categories. */
  exploreShare: number;
}

export type PreferenceGrade = 0 | 1 | 2 | 3;

export interface ShopperGenerationOptions {
  count: number;
  seed: number;
  /** User ids are `<prefix>-<seed>-<index>`, stable for a seed so reruns extend the same histories. */
  idPrefix?: string;
}

/** The catch-all category of products nothing else fits: nobody's favourite. */
export const UNCATEGORIZED = 'Other';

/** A product in another favourite-category branch that still shares the root counts this much. */
const SAME_DEPARTMENT_MATCH = 0.5;
/** Score cut-offs of grades 1, 2 and 3. */
const GRADE_THRESHOLDS = [0.25, 0.5, 0.75] as const;
/** How much a shopper's price centre strays from what their categories typically cost (log sd). */
const PRICE_CENTRE_SPREAD = 0.4;
const PRICE_SAMPLE = 40;

function randomCategorisedProduct(catalog: SimulationCatalog, random: Random): ShopperProduct | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    const product = pickOne(random, catalog.products);
    if (product.category) return product;
  }
  return catalog.products.find((p) => p.category);
}

function drawFavouriteCategories(catalog: SimulationCatalog, random: Random): string[] {
  const wanted = integerBetween(random, 1, 3);
  const favourites = new Set<string>();
  for (let attempt = 0; attempt < wanted * 5 && favourites.size < wanted; attempt++) {
    const product = randomCategorisedProduct(catalog, random);
    if (!product) break;
    if (product.category?.[0] === UNCATEGORIZED) continue;
    favourites.add(pickOne(random, categoryPrefixes(product.category)));
  }
  return [...favourites];
}

function productsOfFavourites(catalog: SimulationCatalog, favourites: readonly string[]): ShopperProduct[][] {
  return favourites.map((path) => [...catalog.inCategory(path)]);
}

function drawFavouriteBrands(
  catalog: SimulationCatalog,
  pools: ShopperProduct[][],
  random: Random,
): string[] {
  const wanted = integerBetween(random, 1, 3);
  const brands = new Set<string>();
  const candidates = pools.filter((pool) => pool.length > 0);
  for (let attempt = 0; attempt < wanted * 8 && brands.size < wanted; attempt++) {
    // Mostly a brand sold in a favourite category (the catalog's mix makes big brands likely),
    // sometimes one from anywhere.
    const pool = candidates.length > 0 && random() < 0.8 ? pickOne(random, candidates) : catalog.products;
    const brand = pickOne(random, pool).brand;
    if (brand) brands.add(brand);
  }
  return [...brands];
}

function drawPriceCentre(
  catalog: SimulationCatalog,
  pools: ShopperProduct[][],
  random: Random,
): number | undefined {
  const candidates = pools.filter((pool) => pool.length > 0);
  const prices: number[] = [];
  for (let i = 0; i < PRICE_SAMPLE; i++) {
    const pool = candidates.length > 0 ? pickOne(random, candidates) : catalog.products;
    const price = pickOne(random, pool).price;
    if (price !== undefined && price > 0) prices.push(price);
  }
  if (prices.length === 0) return undefined;
  prices.sort((a, b) => a - b);
  const median = prices[Math.floor(prices.length / 2)]!;
  return median * Math.exp(PRICE_CENTRE_SPREAD * gaussian(random));
}

export function createShopper(
  catalog: SimulationCatalog,
  index: number,
  seed: number,
  idPrefix = 'shopper',
): Shopper {
  const random = randomStream(seed, 'shopper', index);
  const favouriteCategories = drawFavouriteCategories(catalog, random);
  const pools = productsOfFavourites(catalog, favouriteCategories);
  const favouriteBrands = drawFavouriteBrands(catalog, pools, random);
  const priceCentre = drawPriceCentre(catalog, pools, random);
  return {
    index,
    userId: `${idPrefix}-${seed}-${index}`,
    favouriteCategories,
    favouriteBrands,
    ...(priceCentre !== undefined && { priceCentre: Math.round(priceCentre * 100) / 100 }),
    priceTolerance: uniformBetween(random, 0.35, 0.8),
    sensitivity: {
      category: uniformBetween(random, 0.5, 1.5),
      brand: uniformBetween(random, 0.5, 1.5),
      price: uniformBetween(random, 0.5, 1.5),
    },
    exploreShare: uniformBetween(random, 0.1, 0.3),
  };
}

/** A reproducible population: the same catalog, count and seed give the same shoppers. */
export function createShoppers(catalog: SimulationCatalog, options: ShopperGenerationOptions): Shopper[] {
  return Array.from({ length: options.count }, (_, i) =>
    createShopper(catalog, i, options.seed, options.idPrefix),
  );
}

/** 1 when the product sits in a favourite category, 0.5 when it only shares a favourite's root. */
export function categoryMatch(shopper: Shopper, category: readonly string[] | undefined): number {
  if (!category || category.length === 0) return 0;
  const prefixes = new Set(categoryPrefixes(category));
  if (shopper.favouriteCategories.some((path) => prefixes.has(path))) return 1;
  const root = category[0];
  return shopper.favouriteCategories.some((path) => path.split(' > ')[0] === root)
    ? SAME_DEPARTMENT_MATCH
    : 0;
}

/** Gaussian fit of log price around the shopper's centre: 1 at the centre, 0 without a price. */
export function priceFit(shopper: Shopper, price: number | undefined): number {
  if (shopper.priceCentre === undefined || price === undefined || price <= 0) return 0;
  const z = (Math.log(price) - Math.log(shopper.priceCentre)) / shopper.priceTolerance;
  return Math.exp(-0.5 * z * z);
}

/**
 * How well a product fits the shopper's taste, 0..1: the sensitivity-weighted mean of the
 * category match, the brand match and the price fit. A part the shopper has no taste for
 * (no favourite brands; a catalog without prices) is left out rather than counted as 0.
 */
export function preferenceScore(
  shopper: Shopper,
  product: Pick<ShopperProduct, 'brand' | 'category' | 'price'>,
): number {
  const { sensitivity } = shopper;
  let total = sensitivity.category * categoryMatch(shopper, product.category);
  let weight = sensitivity.category;
  if (shopper.favouriteBrands.length > 0) {
    weight += sensitivity.brand;
    if (product.brand && shopper.favouriteBrands.includes(product.brand)) total += sensitivity.brand;
  }
  if (shopper.priceCentre !== undefined) {
    weight += sensitivity.price;
    total += sensitivity.price * priceFit(shopper, product.price);
  }
  return total / weight;
}

/** The graded preference, 0 (not wanted) .. 3 (exactly this shopper's kind of product). */
export function preference(
  shopper: Shopper,
  product: Pick<ShopperProduct, 'brand' | 'category' | 'price'>,
): PreferenceGrade {
  const score = preferenceScore(shopper, product);
  let grade = 0;
  for (const threshold of GRADE_THRESHOLDS) if (score >= threshold) grade++;
  return grade as PreferenceGrade;
}
