import type { estypes } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import {
  browseRequest,
  filterClauses,
  lexicalSearchRequest,
  priceRanges,
  vectorSearchRequest,
} from '../../../src/backends/elasticsearch/query-builders.ts';
import { priceBucketIndex } from '../../../src/catalog/catalog-query.ts';
import type { FieldWeights } from '../../../src/catalog/search-backend.ts';

const weights: FieldWeights = { title: 3, brand: 2, category: 1.5, description: 0.5, attributes: 0.75 };

describe('filters (the same clauses on both legs)', () => {
  it('builds nothing for no filters', () => {
    expect(filterClauses({})).toEqual([]);
  });

  it('maps every filter to the field that gives the embedded semantics', () => {
    const expected: estypes.QueryDslQueryContainer[] = [
      { terms: { brand: ['EGO', 'Honda'] } },
      { terms: { category_prefixes: ['Garden > Outdoor Power', 'Tools'] } },
      { range: { price: { gte: 50, lte: 400 } } },
      { bool: { must_not: [{ term: { in_stock: false } }] } },
    ];
    expect(
      filterClauses({
        brand: ['EGO', 'Honda'],
        category: ['Garden > Outdoor Power', 'Tools'],
        priceMin: 50,
        priceMax: 400,
        inStock: true,
      }),
    ).toEqual(expected);
  });

  it('keeps open price bounds open and matches only known out-of-stock products for in_stock=false', () => {
    expect(filterClauses({ priceMax: 0, inStock: false })).toEqual([
      { range: { price: { lte: 0 } } },
      { term: { in_stock: false } },
    ] satisfies estypes.QueryDslQueryContainer[]);
  });
});

describe('retrieval requests', () => {
  const filters = { brand: ['EGO'] };

  it('lexical: BM25 summed over the weighted fields and their cjk sub-fields, filtered', () => {
    const expected: estypes.SearchRequest = {
      index: 'shop',
      size: 50,
      _source: false,
      track_total_hits: false,
      query: {
        bool: {
          must: [
            {
              multi_match: {
                query: 'cordless mower',
                type: 'most_fields',
                operator: 'or',
                fields: [
                  'title^3',
                  'title.cjk^3',
                  'brand.text^2',
                  'brand.cjk^2',
                  'category^1.5',
                  'category.cjk^1.5',
                  'description^0.5',
                  'description.cjk^0.5',
                  'attributes_text^0.75',
                  'attributes_text.cjk^0.75',
                ],
              },
            },
          ],
          filter: [{ terms: { brand: ['EGO'] } }],
        },
      },
    };
    expect(
      lexicalSearchRequest('shop', {
        text: 'cordless mower',
        terms: [],
        filters,
        limit: 50,
        fieldWeights: weights,
      }),
    ).toEqual(expected);
  });

  it('kNN: top k with more candidates than k and the filters inside the kNN search', () => {
    const expected: estypes.SearchRequest = {
      index: 'shop',
      size: 100,
      _source: false,
      track_total_hits: false,
      knn: {
        field: 'vector',
        query_vector: [0.5, 0.5, 0.5, 0.5],
        k: 100,
        num_candidates: 200,
        filter: [{ terms: { brand: ['EGO'] } }],
      },
    };
    expect(
      vectorSearchRequest('shop', { vector: new Float32Array([0.5, 0.5, 0.5, 0.5]), filters, limit: 100 }),
    ).toEqual(expected);
  });

  it('kNN candidates stay within Elasticsearch limits', () => {
    const small = vectorSearchRequest('shop', { vector: new Float32Array([1]), filters: {}, limit: 10 });
    expect(small.knn).toMatchObject({ k: 10, num_candidates: 100 });
    const large = vectorSearchRequest('shop', { vector: new Float32Array([1]), filters: {}, limit: 8000 });
    expect(large.knn).toMatchObject({ k: 8000, num_candidates: 10_000 });
  });

  it('filters, sorts like the embedded backend with the id as tie-breaker, pages and aggregates facets', () => {
    const expected: estypes.SearchRequest = {
      index: 'shop',
      from: 20,
      size: 10,
      _source: false,
      track_total_hits: true,
      query: { bool: { filter: [{ terms: { category_prefixes: ['Garden'] } }] } },
      sort: [{ price: { order: 'asc', missing: '_last' } }, { id: { order: 'asc' } }],
      aggs: {
        brand: { terms: { field: 'brand', size: 1000 } },
        price: {
          range: {
            field: 'price',
            keyed: false,
            ranges: [
              { key: '0', to: 25 },
              { key: '1', from: 25, to: 50 },
              { key: '2', from: 50 },
            ],
          },
        },
        // One level below the deepest category filter.
        category: { terms: { field: 'category_levels.l2', size: 1000 } },
      },
    };
    expect(
      browseRequest('shop', {
        filters: { category: ['Garden'] },
        sort: 'price_asc',
        offset: 20,
        limit: 10,
        priceEdges: [25, 50],
      }),
    ).toEqual(expected);
  });

  it('matches everything without filters and orders relevance by popularity, then rating', () => {
    const request = browseRequest('shop', {
      filters: {},
      sort: 'relevance',
      offset: 0,
      limit: 5,
      priceEdges: [],
    });
    expect(request.query).toEqual({ match_all: {} });
    expect(request.sort).toEqual([
      { popularity: { order: 'desc', missing: '_last' } },
      { rating: { order: 'desc', missing: '_last' } },
      { id: { order: 'asc' } },
    ]);
    expect(request.aggs?.category).toEqual({ terms: { field: 'category_levels.l1', size: 1000 } });
    expect(request.aggs?.price).toEqual({ range: { field: 'price', keyed: false, ranges: [{ key: '0' }] } });
  });

  it('has no category facet below the deepest level a product can have', () => {
    const deep = Array.from({ length: 10 }, (_, i) => `L${i}`).join(' > ');
    const request = browseRequest('shop', {
      filters: { category: [deep] },
      sort: 'newest',
      offset: 0,
      limit: 5,
      priceEdges: [],
    });
    expect(request.aggs?.category).toBeUndefined();
    expect(request.sort).toEqual([
      { created_at: { order: 'desc', missing: '_last' } },
      { id: { order: 'asc' } },
    ]);
  });

  it('price ranges put a price in the bucket priceBucketIndex gives it', () => {
    const edges = [25, 50, 100];
    const ranges = priceRanges(edges);
    for (const price of [0, 24.99, 25, 49.99, 50, 99, 100, 5000]) {
      // A range bucket holds from <= price < to.
      const bucket = ranges.find((r) => (r.from ?? -Infinity) <= price && price < (r.to ?? Infinity));
      expect(Number(bucket?.key)).toBe(priceBucketIndex(price, edges));
    }
  });
});
