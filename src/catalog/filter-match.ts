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

function createdWithin(createdAt: string | undefined, from?: string, to?: string): boolean {
  if (from === undefined && to === undefined) return true;
  const time = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  if (Number.isNaN(time)) return false;
  return (from === undefined || time >= Date.parse(from)) && (to === undefined || time <= Date.parse(to));
}

export function matchesFilters(summary: ProductSummary, filters: SearchFilters): boolean {
  if (filters.brand?.length && (summary.brand === undefined || !filters.brand.includes(summary.brand)))
    return false;
  if (filters.category?.length && !inCategory(summary.category, filters.category)) return false;
  if (filters.priceMin !== undefined && !(summary.price !== undefined && summary.price >= filters.priceMin))
    return false;
  if (filters.priceMax !== undefined && !(summary.price !== undefined && summary.price <= filters.priceMax))
    return false;
  if (filters.inStock !== undefined && (summary.in_stock !== false) !== filters.inStock) return false;
  for (const [key, filter] of Object.entries(filters.attributes ?? {})) {
    if (!attributeMatches(summary, key, filter)) return false;
  }
  if (!createdWithin(summary.created_at, filters.createdFrom, filters.createdTo)) return false;
  if (filters.excludeIds?.includes(summary.id)) return false;
  if (filters.exclude?.some((excluded) => matchesFilters(summary, excluded))) return false;
  if (filters.require && !filters.require.every((required) => matchesFilters(summary, required)))
    return false;
  return true;
}
