/**
 * What a search may ask of the catalog besides text: filters, a sort order, and facet rows
 * (brand, category path, price bucket, count) that both engines hand over for counting.
 */
export const SORT_ORDERS = ['relevance', 'price_asc', 'price_desc', 'newest'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const FILTER_FIELDS = ['brand', 'category', 'price_min', 'price_max', 'in_stock'] as const;

export interface SearchFilters {
  /** Any of these brands (exact match). */
  brand?: string[];
  /** Any of these category paths, each matching itself and everything below it. */
  category?: string[];
  priceMin?: number;
  priceMax?: number;
  /** Products with unknown stock count as in stock. */
  inStock?: boolean;
}

export function hasFilters(filters: SearchFilters): boolean {
  return (
    (filters.brand?.length ?? 0) > 0 ||
    (filters.category?.length ?? 0) > 0 ||
    filters.priceMin !== undefined ||
    filters.priceMax !== undefined ||
    filters.inStock !== undefined
  );
}

export interface FacetRow {
  brand: string | null;
  category: string | null;
  priceBucket: number | null;
  count: number;
}

export const CATEGORY_SEPARATOR = ' > ';

/** Bucket i covers [edges[i-1], edges[i]); null for a product without a price. */
export function priceBucketIndex(price: number | null | undefined, edges: readonly number[]): number | null {
  if (price === null || price === undefined) return null;
  let i = 0;
  while (i < edges.length && price >= edges[i]!) i++;
  return i;
}

/** The category facet shows the level just below the deepest category filter (top level without one). */
export function categoryFacetDepth(categoryFilter: readonly string[] | undefined): number {
  return 1 + Math.max(0, ...(categoryFilter ?? []).map((c) => c.split(CATEGORY_SEPARATOR).length));
}

/**
 * The filters above against one product's fields, as both engines apply them (category:
 * the path or anything below it; unknown stock counts as in stock), for lists that did
 * not come from the engine (recommendations from engagement).
 */
export function matchesFilters(
  product: { brand?: string; category?: readonly string[]; price?: number; in_stock?: boolean },
  filters: SearchFilters,
): boolean {
  if (filters.brand?.length && (product.brand === undefined || !filters.brand.includes(product.brand)))
    return false;
  if (filters.category?.length) {
    const path = (product.category ?? []).join(CATEGORY_SEPARATOR);
    if (!filters.category.some((c) => path === c || path.startsWith(`${c}${CATEGORY_SEPARATOR}`)))
      return false;
  }
  if (filters.priceMin !== undefined && (product.price === undefined || product.price < filters.priceMin))
    return false;
  if (filters.priceMax !== undefined && (product.price === undefined || product.price > filters.priceMax))
    return false;
  if (filters.inStock !== undefined && (product.in_stock !== false) !== filters.inStock) return false;
  return true;
}
