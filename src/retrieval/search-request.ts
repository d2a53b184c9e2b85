/** The validated, backend-neutral form of a search. The API layer builds it from HTTP input. */
export const SORT_ORDERS = ['relevance', 'price_asc', 'price_desc', 'newest'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const FACET_FIELDS = ['brand', 'category', 'price'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];

export const FUSION_METHODS = ['rrf', 'weighted'] as const;
export type FusionMethod = (typeof FUSION_METHODS)[number];

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

export interface SearchRequest {
  q: string;
  filters: SearchFilters;
  facets: FacetField[];
  page: number;
  size: number;
  sort: SortOrder;
  userId?: string;
  sessionId?: string;
  explain: boolean;
  fusion?: FusionMethod;
  /** Let the learning-to-rank model reorder the top candidates (default true). */
  rerank?: boolean;
}

export const MAX_PAGE_SIZE = 100;
export const MAX_QUERY_LENGTH = 512;
/** Deepest result a client may page to (page * size), as Elasticsearch's max_result_window. */
export const MAX_RESULT_WINDOW = 1000;

export function hasFilters(filters: SearchFilters): boolean {
  return (
    (filters.brand?.length ?? 0) > 0 ||
    (filters.category?.length ?? 0) > 0 ||
    filters.priceMin !== undefined ||
    filters.priceMax !== undefined ||
    filters.inStock !== undefined
  );
}
