/**
 * Pure functions that build the request bodies the backend sends, typed with the client's
 * own request types so a malformed query fails `tsc`. Filters are built once and used by
 * both legs (the BM25 query's `filter` and the kNN `filter`), as the embedded backend does.
 */
import type { estypes } from '@elastic/elasticsearch';
import {
  type AttributeFacetSpec,
  type AttributeFilter,
  categoryFacetDepth,
  isValuesFilter,
  type SearchFilters,
  type SortOrder,
} from '../../catalog/catalog-query.ts';
import type { BrowseQuery, FieldWeights, LexicalQuery, VectorQuery } from '../../catalog/search-backend.ts';
import { CATEGORY_LEVELS, categoryLevelField } from './search-document.ts';

/** The mapped fields each boosts.yaml weight applies to: the analyzed field and its `cjk` sub-field. */
export const LEXICAL_FIELDS: Record<keyof FieldWeights, readonly string[]> = {
  title: ['title', 'title.cjk'],
  brand: ['brand.text', 'brand.cjk'],
  category: ['category', 'category.cjk'],
  description: ['description', 'description.cjk'],
  attributes: ['attributes_text', 'attributes_text.cjk'],
};

export const VECTOR_FIELD = 'vector';
/** Elasticsearch's ceiling for `num_candidates`. */
const MAX_NUM_CANDIDATES = 10_000;
/** Terms buckets per facet: well above any `max_values`, so the service's fold picks the top values. */
export const FACET_BUCKETS = 1000;

/** Attribute values as keywords, one sub-field per key without a mapping per key. */
export const ATTRIBUTE_VALUES_FIELD = 'attribute_values';
/** Numeric attribute values as nested (key, value) pairs, for ranges. */
export const ATTRIBUTE_NUMBERS_FIELD = 'attribute_numbers';

function attributeClause(key: string, filter: AttributeFilter): estypes.QueryDslQueryContainer {
  if (isValuesFilter(filter)) return { terms: { [`${ATTRIBUTE_VALUES_FIELD}.${key}`]: filter.values } };
  return {
    nested: {
      path: ATTRIBUTE_NUMBERS_FIELD,
      query: {
        bool: {
          filter: [
            { term: { [`${ATTRIBUTE_NUMBERS_FIELD}.key`]: key } },
            {
              range: {
                [`${ATTRIBUTE_NUMBERS_FIELD}.value`]: {
                  ...(filter.min !== undefined && { gte: filter.min }),
                  ...(filter.max !== undefined && { lte: filter.max }),
                },
              },
            },
          ],
        },
      },
    },
  };
}

export function filterClauses(filters: SearchFilters): estypes.QueryDslQueryContainer[] {
  const clauses: estypes.QueryDslQueryContainer[] = [];
  if (filters.brand?.length) clauses.push({ terms: { brand: filters.brand } });
  // Every document carries all its ancestor paths: a path matches itself and everything below it.
  if (filters.category?.length) clauses.push({ terms: { category_prefixes: filters.category } });
  if (filters.priceMin !== undefined || filters.priceMax !== undefined) {
    clauses.push({
      range: {
        price: {
          ...(filters.priceMin !== undefined && { gte: filters.priceMin }),
          ...(filters.priceMax !== undefined && { lte: filters.priceMax }),
        },
      },
    });
  }
  if (filters.inStock === true) {
    // Unknown stock counts as in stock.
    clauses.push({ bool: { must_not: [{ term: { in_stock: false } }] } });
  } else if (filters.inStock === false) {
    clauses.push({ term: { in_stock: false } });
  }
  for (const [key, filter] of Object.entries(filters.attributes ?? {})) {
    clauses.push(attributeClause(key, filter));
  }
  if (filters.createdFrom !== undefined || filters.createdTo !== undefined) {
    clauses.push({
      range: {
        created_at: {
          ...(filters.createdFrom !== undefined && { gte: filters.createdFrom }),
          ...(filters.createdTo !== undefined && { lte: filters.createdTo }),
        },
      },
    });
  }
  const excluded: estypes.QueryDslQueryContainer[] = [];
  if (filters.excludeIds?.length) excluded.push({ ids: { values: filters.excludeIds } });
  for (const exclude of filters.exclude ?? []) {
    excluded.push({ bool: { filter: filterClauses(exclude) } });
  }
  if (excluded.length > 0) clauses.push({ bool: { must_not: excluded } });
  for (const required of filters.require ?? []) clauses.push(...filterClauses(required));
  return clauses;
}

/** BM25 over the weighted fields, summed across fields as FTS5 sums its column scores. */
export function lexicalQuery(text: string, weights: FieldWeights): estypes.QueryDslQueryContainer {
  const fields = (Object.keys(LEXICAL_FIELDS) as (keyof FieldWeights)[]).flatMap((name) =>
    LEXICAL_FIELDS[name].map((field) => `${field}^${weights[name]}`),
  );
  return { multi_match: { query: text, type: 'most_fields', operator: 'or', fields } };
}

export function lexicalSearchRequest(index: string, query: LexicalQuery): estypes.SearchRequest {
  return {
    index,
    size: query.limit,
    _source: false,
    track_total_hits: false,
    query: {
      bool: { must: [lexicalQuery(query.text, query.fieldWeights)], filter: filterClauses(query.filters) },
    },
  };
}

function numCandidates(k: number): number {
  return Math.min(MAX_NUM_CANDIDATES, Math.max(100, k * 2));
}

export function knnClause(vector: Float32Array, k: number, filters: SearchFilters): estypes.KnnSearch {
  return {
    field: VECTOR_FIELD,
    query_vector: Array.from(vector),
    k,
    num_candidates: numCandidates(k),
    filter: filterClauses(filters),
  };
}

export function vectorSearchRequest(index: string, query: VectorQuery): estypes.SearchRequest {
  return {
    index,
    size: query.limit,
    _source: false,
    track_total_hits: false,
    knn: knnClause(query.vector, query.limit, query.filters),
  };
}

/** The embedded backend's browse order; the id breaks ties so pages never overlap. */
const BROWSE_SORT: Record<SortOrder, estypes.SortCombinations[]> = {
  relevance: [
    { popularity: { order: 'desc', missing: '_last' } },
    { rating: { order: 'desc', missing: '_last' } },
    { id: { order: 'asc' } },
  ],
  price_asc: [{ price: { order: 'asc', missing: '_last' } }, { id: { order: 'asc' } }],
  price_desc: [{ price: { order: 'desc', missing: '_last' } }, { id: { order: 'asc' } }],
  newest: [{ created_at: { order: 'desc', missing: '_last' } }, { id: { order: 'asc' } }],
  rating_desc: [
    { rating: { order: 'desc', missing: '_last' } },
    { review_count: { order: 'desc', missing: '_last' } },
    { id: { order: 'asc' } },
  ],
  popularity_desc: [{ popularity: { order: 'desc', missing: '_last' } }, { id: { order: 'asc' } }],
};

/** Bucket i covers [edges[i-1], edges[i]): `range` buckets include `from` and exclude `to`, as priceBucketIndex does. */
export function priceRanges(edges: readonly number[]): estypes.AggregationsAggregationRange[] {
  return Array.from({ length: edges.length + 1 }, (_, i) => ({
    key: String(i),
    ...(i > 0 && { from: edges[i - 1]! }),
    ...(i < edges.length && { to: edges[i]! }),
  }));
}

/** Attribute facets are named by their position in the request (keys may hold any character). */
export const ATTRIBUTE_FACET_PREFIX = 'attribute_';

/**
 * Terms: the flattened sub-field. Range: the key's nested numbers in the facet's buckets,
 * each counted in products (reverse_nested), not in values.
 */
export function attributeFacetAggregation(
  spec: AttributeFacetSpec,
): estypes.AggregationsAggregationContainer {
  if (spec.kind === 'terms') {
    return { terms: { field: `${ATTRIBUTE_VALUES_FIELD}.${spec.key}`, size: FACET_BUCKETS } };
  }
  return {
    nested: { path: ATTRIBUTE_NUMBERS_FIELD },
    aggs: {
      key: {
        filter: { term: { [`${ATTRIBUTE_NUMBERS_FIELD}.key`]: spec.key } },
        aggs: {
          buckets: {
            range: {
              field: `${ATTRIBUTE_NUMBERS_FIELD}.value`,
              keyed: false,
              ranges: priceRanges(spec.edges),
            },
            aggs: { products: { reverse_nested: {} } },
          },
        },
      },
    },
  };
}

export function browseRequest(index: string, query: BrowseQuery): estypes.SearchRequest {
  const filter = filterClauses(query.filters);
  const depth = categoryFacetDepth(query.filters.category);
  const aggs: Record<string, estypes.AggregationsAggregationContainer> = {
    brand: { terms: { field: 'brand', size: FACET_BUCKETS } },
    price: { range: { field: 'price', keyed: false, ranges: priceRanges(query.priceEdges) } },
  };
  if (depth <= CATEGORY_LEVELS)
    aggs.category = { terms: { field: categoryLevelField(depth), size: FACET_BUCKETS } };
  for (const [i, spec] of (query.attributeFacets ?? []).entries()) {
    aggs[`${ATTRIBUTE_FACET_PREFIX}${i}`] = attributeFacetAggregation(spec);
  }
  return {
    index,
    from: query.offset,
    size: query.limit,
    _source: false,
    track_total_hits: true,
    query: filter.length > 0 ? { bool: { filter } } : { match_all: {} },
    sort: BROWSE_SORT[query.sort],
    aggs,
  };
}
