/**
 * What shoppers type. A query names a kind of product, taken from the catalog itself: the
 * product-type words at the end of a title's head ("... Self-Propelled Lawn Mower in Red"
 * -> "lawn mower") or a category name. Most queries come from a product in one of the
 * shopper's favourite categories, some from anywhere (browsing, gifts), so result lists mix
 * products the shopper wants with products they do not.
 */
import { pickOne, type Random } from './sampling.ts';
import { type Shopper, UNCATEGORIZED } from './shoppers.ts';
import type { ShopperProduct, SimulationCatalog } from './simulation-catalog.ts';

export interface SimulatedQuery {
  q: string;
  /** `favourite`: aimed at a favourite category; `explore`: anywhere in the catalog. */
  intent: 'favourite' | 'explore';
  /** The product whose title or category the query was made from. */
  sourceProductId: string;
}

/** Where the product-type phrase of a title ends: attributes and options follow these. */
const HEAD_END = /\s(?:in|with|for|by|from|featuring|includes?)\s|,\s|\s[-–|]\s/i;
/** Parenthesized asides ("(4100K)", "(2-Pack)") say nothing about the product type. */
const ASIDE = /\([^)]*\)?/g;
const WORD = /^\p{L}[\p{L}'’-]*$/u;
const FILLER = new Set([
  'a',
  'an',
  'and',
  'or',
  'the',
  'of',
  'to',
  'on',
  'at',
  'x',
  'ft',
  'in',
  'yd',
  'lb',
  'oz',
  'gal',
  'qt',
  'sq',
  'pack',
  'piece',
  'set',
  'pc',
  'no',
  'w',
  'h',
  'd',
  'l',
  'cu',
  'cri',
  'mil',
  'amp',
  'volt',
  'watt',
  'gauge',
  'btu',
  'gpm',
  'gpf',
  'psi',
  'hp',
  'mm',
  'cm',
  'lbs',
]);
/** Words too vague to be a query on their own ("kit"): a one-word query takes the word before too. */
const VAGUE_WORDS = new Set([
  'kit',
  'set',
  'only',
  'unit',
  'assembly',
  'combo',
  'system',
  'collection',
  'tool',
]);
const CATEGORY_QUERY_SHARE = 0.15;

/** The title's head: the part before options such as " in Chrome" or " with Remote", no asides. */
export function titleHead(title: string): string {
  const plain = title.replace(ASIDE, ' ').replace(/\s+/g, ' ').trim();
  const cut = plain.search(HEAD_END);
  return (cut > 0 ? plain.slice(0, cut) : plain).trim();
}

/**
 * The words that name the kind of product: letter words of the title's head, without the
 * brand's words, measurements and filler. The product type is usually last in a title.
 */
export function productTypeWords(title: string, brand?: string): string[] {
  const brandWords = new Set((brand ?? '').toLowerCase().split(/\s+/));
  return titleHead(title)
    .replace(/&amp;/g, '&')
    .split(/\s+/)
    .map((w) => w.replace(/[.'’]+$/u, ''))
    .filter((w) => WORD.test(w))
    .map((w) => w.toLowerCase())
    .filter((w) => !brandWords.has(w) && !FILLER.has(w) && w.length > 1);
}

/** A query naming the product's type: its last one, two or three type words. */
export function queryFromTitle(product: ShopperProduct, random: Random): string | undefined {
  const words = productTypeWords(product.title, product.brand);
  if (words.length === 0) return undefined;
  const draw = random();
  let length = draw < 0.3 ? 1 : draw < 0.85 ? 2 : 3;
  if (length === 1 && VAGUE_WORDS.has(words.at(-1)!)) length = 2;
  return words.slice(-length).join(' ');
}

function queryFromProduct(product: ShopperProduct, random: Random): string {
  const leaf = product.category?.at(-1);
  if (leaf && leaf !== UNCATEGORIZED && random() < CATEGORY_QUERY_SHARE) {
    // "Washers & Dryers": shoppers type one of the two.
    return pickOne(random, leaf.split(/\s+&\s+/)).toLowerCase();
  }
  // Titles without letter words (all measurements, say) fall back to their first words.
  return queryFromTitle(product, random) ?? product.title.split(/\s+/).slice(0, 3).join(' ');
}

/** The next query of a shopper: from a favourite category most of the time, else from anywhere. */
export function nextQuery(shopper: Shopper, catalog: SimulationCatalog, random: Random): SimulatedQuery {
  const favourites = shopper.favouriteCategories.filter((path) => catalog.inCategory(path).length > 0);
  const explore = favourites.length === 0 || random() < shopper.exploreShare;
  const pool = explore ? catalog.products : catalog.inCategory(pickOne(random, favourites));
  const product = pickOne(random, pool);
  return {
    q: queryFromProduct(product, random),
    intent: explore ? 'explore' : 'favourite',
    sourceProductId: product.id,
  };
}
