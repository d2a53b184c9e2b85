import type { estypes } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import {
  type BrowseAggregations,
  browseResult,
  contentHashesFromMget,
  cosineHits,
  productsFromMget,
  rankedHits,
  summariesFromMget,
} from '../../../src/backends/elasticsearch/response-mapping.ts';
import { foldFacetRows } from '../../../src/retrieval/facets.ts';

function searchResponse<A = Record<string, estypes.AggregationsAggregate>>(
  hits: estypes.SearchHit[],
  extra: Partial<estypes.SearchResponse<unknown, A>> = {},
): estypes.SearchResponse<unknown, A> {
  return {
    took: 3,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: { total: { value: hits.length, relation: 'eq' }, max_score: hits[0]?._score ?? null, hits },
    ...extra,
  };
}

describe('search hits', () => {
  it('keeps BM25 scores and order', () => {
    const response = searchResponse([
      { _index: 'shop-000001', _id: 'a', _score: 7.5 },
      { _index: 'shop-000001', _id: 'b', _score: 2.25 },
    ]);
    expect(rankedHits(response)).toEqual([
      { id: 'a', score: 7.5 },
      { id: 'b', score: 2.25 },
    ]);
  });

  it('turns the kNN score (1 + cos) / 2 back into the cosine similarity', () => {
    const response = searchResponse([
      { _index: 'shop-000001', _id: 'same', _score: 1 },
      { _index: 'shop-000001', _id: 'close', _score: 0.9 },
      { _index: 'shop-000001', _id: 'orthogonal', _score: 0.5 },
      { _index: 'shop-000001', _id: 'opposite', _score: 0 },
    ]);
    const hits = cosineHits(response);
    expect(hits.map((h) => h.id)).toEqual(['same', 'close', 'orthogonal', 'opposite']);
    expect(hits.map((h) => h.score)).toEqual([1, expect.closeTo(0.8, 10), 0, -1]);
  });
});

describe('browse', () => {
  const response = searchResponse<BrowseAggregations>(
    [
      { _index: 'shop-000001', _id: 'hose-1', _score: null, sort: [39.99, 'hose-1'] },
      { _index: 'shop-000001', _id: 'blower-1', _score: null, sort: [199, 'blower-1'] },
    ],
    {
      aggregations: {
        brand: {
          doc_count_error_upper_bound: 0,
          sum_other_doc_count: 0,
          buckets: [
            { key: 'EGO', doc_count: 2 },
            { key: 'Flexzilla', doc_count: 1 },
            { key: 'Honda', doc_count: 1 },
          ],
        },
        category: {
          doc_count_error_upper_bound: 0,
          sum_other_doc_count: 0,
          buckets: [
            { key: 'Garden > Outdoor Power', doc_count: 3 },
            { key: 'Garden > Watering', doc_count: 1 },
          ],
        },
        price: {
          buckets: [
            { key: '0', to: 25, doc_count: 0 },
            { key: '1', from: 25, to: 50, doc_count: 1 },
            { key: '2', from: 50, doc_count: 3 },
          ],
        },
      },
    },
  );
  response.hits.total = { value: 4, relation: 'eq' };

  it('returns the page ids, the total and one facet row per bucket', () => {
    const result = browseResult(response);
    expect(result.ids).toEqual(['hose-1', 'blower-1']);
    expect(result.total).toBe(4);
    expect(result.facetRows).toContainEqual({ brand: 'EGO', category: null, priceBucket: null, count: 2 });
    expect(result.facetRows).toContainEqual({
      brand: null,
      category: 'Garden > Watering',
      priceBucket: null,
      count: 1,
    });
    expect(result.facetRows).toContainEqual({ brand: null, category: null, priceBucket: 2, count: 3 });
    expect(result.facetRows.some((row) => row.priceBucket === 0)).toBe(false); // empty range left out
  });

  it('folds into the same facets the embedded rows give', () => {
    const facets = foldFacetRows(browseResult(response).facetRows, [], {
      fields: ['brand', 'category', 'price'],
      priceEdges: [25, 50],
      categoryFilter: ['Garden'],
      maxValues: 20,
      attributes: [],
    });
    expect(facets).toEqual({
      brand: [
        { value: 'EGO', count: 2 },
        { value: 'Flexzilla', count: 1 },
        { value: 'Honda', count: 1 },
      ],
      category: [
        { value: 'Garden > Outdoor Power', count: 3 },
        { value: 'Garden > Watering', count: 1 },
      ],
      price: [
        { key: '25-50', from: 25, to: 50, count: 1 },
        { key: '50-*', from: 50, count: 3 },
      ],
    });
  });
});

describe('documents from mget', () => {
  const mget: estypes.MgetResponse<unknown> = {
    docs: [
      {
        _index: 'shop-000001',
        _id: 'drill-1',
        found: true,
        _source: { id: 'drill-1', title: 'DeWalt Drill', category: ['Tools', 'Drills'], price: 99 },
      },
      { _index: 'shop-000001', _id: 'missing', found: false },
    ],
  };

  it('returns found products as products, leaving out missing ids', () => {
    const products = productsFromMget(mget);
    expect([...products.keys()]).toEqual(['drill-1']);
    expect(products.get('drill-1')).toEqual({
      id: 'drill-1',
      title: 'DeWalt Drill',
      category: ['Tools', 'Drills'],
      price: 99,
    });
    expect(summariesFromMget(mget).get('drill-1')).toEqual({
      id: 'drill-1',
      title: 'DeWalt Drill',
      category: ['Tools', 'Drills'],
      price: 99,
    });
  });

  it('refuses a document that is not a product, naming it', () => {
    const bad: estypes.MgetResponse<unknown> = {
      docs: [{ _index: 'shop-000001', _id: 'x', found: true, _source: { id: 'x', price: 'cheap' } }],
    };
    expect(() => productsFromMget(bad)).toThrow(expect.objectContaining({ code: 'invalid_document' }));
    expect(() => productsFromMget(bad)).toThrow(/document "x" in index shop-000001/);
    expect(() => summariesFromMget(bad)).toThrow(expect.objectContaining({ code: 'invalid_document' }));
  });

  it('reports an item that failed instead of treating it as missing', () => {
    const failed: estypes.MgetResponse<unknown> = {
      docs: [
        {
          _index: 'shop-000001',
          _id: 'x',
          error: { type: 'shard_not_available_exception', reason: 'shard down' },
        },
      ],
    };
    expect(() => productsFromMget(failed)).toThrow(/shard down/);
  });

  it('reads content hashes', () => {
    const hashes: estypes.MgetResponse<unknown> = {
      docs: [
        { _index: 'shop-000001', _id: 'a', found: true, _source: { content_hash: 'h1' } },
        { _index: 'shop-000001', _id: 'b', found: true, _source: {} },
      ],
    };
    expect(contentHashesFromMget(hashes)).toEqual(new Map([['a', 'h1']]));
  });
});
