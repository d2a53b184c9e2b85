/**
 * Search filters evaluated on one product's summary, with the engines' meaning (a category
 * path matches itself and everything below it, unknown stock counts as in stock, attribute
 * values match as text, ranges are inclusive). Merchandising rules use it to decide which
 * candidates a boost or bury touches and whether a pinned product may be shown.
 */
import {
  type AttributeFilter,
  CATEGORY_SEPARATOR,
  isValuesFilter,
  type SearchFilters,
} from './catalog-query.ts';
import { attributeEntries } from './product.ts';
import type { ProductSummary } from './search-backend.ts';

function inCategory(category: readonly string[] | undefined, paths: readonly string[]): boolean {
  if (!category) return false;
  const path = category.join(CATEGORY_SEPARATOR);
  return paths.some((root) => path === root || path.startsWith(`${root}${CATEGORY_SEPARATOR}`));
}

function attributeMatches(summary: ProductSummary, key: string, filter: AttributeFilter): boolean {
  const entries = attributeEntries(summary.attributes).filter((e) => e.key === key);
  if (isValuesFilter(filter)) return entries.some((e) => filter.values.includes(e.value));
  return entries.some(
    (e) =>
      e.number !== undefined &&
      (filter.min === undefined || e.number >= filter.min) &&
      (filter.max === undefined || e.number <= filter.max),
  );
}

/** Parsed `created_at` times by summary: a boost on product age tests every candidate, often several times. */
const createdTimes = new WeakMap<ProductSummary, number>();

function createdTime(summary: ProductSummary): number {
  let time = createdTimes.get(summary);
  if (time === undefined) {
    time = summary.created_at === undefined ? Number.NaN : Date.parse(summary.created_at);
    createdTimes.set(summary, time);
  }
  return time;
}

type Predicate = (summary: ProductSummary) => boolean;

/**
 * The filters as one test, prepared once (dates parsed, id lists as sets): the rules stage
 * tests a window of candidates against each boost and bury, and a pin against its filters.
 */
export function compileFilters(filters: SearchFilters): Predicate {
  const tests: Predicate[] = [];
  const brands = filters.brand?.length ? new Set(filters.brand) : undefined;
  if (brands) tests.push((s) => s.brand !== undefined && brands.has(s.brand));
  const categories = filters.category;
  if (categories?.length) tests.push((s) => inCategory(s.category, categories));
  const { priceMin, priceMax, inStock } = filters;
  if (priceMin !== undefined) tests.push((s) => s.price !== undefined && s.price >= priceMin);
  if (priceMax !== undefined) tests.push((s) => s.price !== undefined && s.price <= priceMax);
  if (inStock !== undefined) tests.push((s) => (s.in_stock !== false) === inStock);
  for (const [key, filter] of Object.entries(filters.attributes ?? {}))
    tests.push((s) => attributeMatches(s, key, filter));
  if (filters.createdFrom !== undefined || filters.createdTo !== undefined) {
    const from = filters.createdFrom === undefined ? -Infinity : Date.parse(filters.createdFrom);
    const to = filters.createdTo === undefined ? Infinity : Date.parse(filters.createdTo);
    tests.push((s) => {
      const time = createdTime(s);
      return !Number.isNaN(time) && time >= from && time <= to;
    });
  }
  const excludedIds = filters.excludeIds?.length ? new Set(filters.excludeIds) : undefined;
  if (excludedIds) tests.push((s) => !excludedIds.has(s.id));
  const excluded = (filters.exclude ?? []).map(compileFilters);
  if (excluded.length > 0) tests.push((s) => !excluded.some((test) => test(s)));
  const required = (filters.require ?? []).map(compileFilters);
  if (required.length > 0) tests.push((s) => required.every((test) => test(s)));
  return (summary) => tests.every((test) => test(summary));
}

export function matchesFilters(summary: ProductSummary, filters: SearchFilters): boolean {
  return compileFilters(filters)(summary);
}
