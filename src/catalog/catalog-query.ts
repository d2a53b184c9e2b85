/**
 * What a search may ask of the catalog besides text: filters, a sort order, and facet rows
 * (brand, category path, price bucket, count; attribute values and buckets) that both
 * engines hand over for counting.
 */
export const SORT_ORDERS = [
  'relevance',
  'price_asc',
  'price_desc',
  'newest',
  'rating_desc',
  'popularity_desc',
] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const FILTER_FIELDS = ['brand', 'category', 'price_min', 'price_max', 'in_stock'] as const;

/** An attribute filter: any of these values (exact, as text), or a numeric range (inclusive). */
export type AttributeFilter = { values: string[] } | { min?: number; max?: number };

export interface SearchFilters {
  /** Any of these brands (exact match). */
  brand?: string[];
  /** Any of these category paths, each matching itself and everything below it. */
  category?: string[];
  priceMin?: number;
  priceMax?: number;
  /** Products with unknown stock count as in stock. */
  inStock?: boolean;
  /** Attribute key -> the values or range it must have; every key must match. */
  attributes?: Record<string, AttributeFilter>;
  /** `created_at` at or after this ISO 8601 time (products without one fail). */
  createdFrom?: string;
  /** `created_at` at or before this ISO 8601 time. */
  createdTo?: string;
  /** Left out whatever else matches (products a rule hides). */
  excludeIds?: string[];
  /** Products matching any of these filters are left out (a rule's hide by filter). */
  exclude?: SearchFilters[];
  /** Every one of these must match as well (a rule's forced filter on top of the shopper's). */
  require?: SearchFilters[];
}

export function isValuesFilter(filter: AttributeFilter): filter is { values: string[] } {
  return 'values' in filter;
}

export function hasFilters(filters: SearchFilters): boolean {
  return (
    (filters.brand?.length ?? 0) > 0 ||
    (filters.category?.length ?? 0) > 0 ||
    filters.priceMin !== undefined ||
    filters.priceMax !== undefined ||
    filters.inStock !== undefined ||
    Object.keys(filters.attributes ?? {}).length > 0 ||
    filters.createdFrom !== undefined ||
    filters.createdTo !== undefined ||
    (filters.require ?? []).some(hasFilters)
  );
}

export interface FacetRow {
  brand: string | null;
  category: string | null;
  priceBucket: number | null;
  count: number;
}

/** Products with an attribute value (terms facets) or in a numeric bucket (range facets). */
export interface AttributeFacetRow {
  key: string;
  /** The value, for a terms facet. */
  value?: string;
  /** The bucket index over the facet's edges, for a range facet. */
  bucket?: number;
  count: number;
}

/** An attribute facet a search asks for: the values with counts, or counts per numeric bucket. */
export type AttributeFacetSpec =
  | { key: string; kind: 'terms' }
  | { key: string; kind: 'range'; edges: number[] };

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
