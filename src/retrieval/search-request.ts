/** The validated, backend-neutral form of a search. The API layer builds it from HTTP input. */
import type { SearchFilters, SortOrder } from '../catalog/catalog-query.ts';

/** Facets every catalog has; attributes.yaml adds attribute facets by their keys. */
export const BUILT_IN_FACETS = ['brand', 'category', 'price'] as const;
export type BuiltInFacet = (typeof BUILT_IN_FACETS)[number];

export const FUSION_METHODS = ['rrf', 'weighted'] as const;
export type FusionMethod = (typeof FUSION_METHODS)[number];

export interface SearchRequest {
  q: string;
  filters: SearchFilters;
  /** Built-in facets and attribute facets (keys declared in attributes.yaml). */
  facets: string[];
  page: number;
  size: number;
  sort: SortOrder;
  userId?: string;
  sessionId?: string;
  explain: boolean;
  fusion?: FusionMethod;
  /** Let the learning-to-rank model reorder the top candidates (default true). */
  rerank?: boolean;
  /** Correct misspelt words for the keyword leg (default true); false searches the words as typed. */
  autocorrect?: boolean;
}

export const MAX_PAGE_SIZE = 100;
export const MAX_QUERY_LENGTH = 512;
/** Deepest result a client may page to (page * size), as Elasticsearch's max_result_window. */
export const MAX_RESULT_WINDOW = 1000;
