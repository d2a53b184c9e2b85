/**
 * What merchandising needs from the Elasticsearch backend, checked on the in-memory cluster
 * (which evaluates filters, sorts and aggregations itself, not full text): the synonym set
 * exists before an index refers to it and follows synonyms.txt; attribute-rich products index
 * without a field per key; browsing with attribute filters, rule filters (hides, forced
 * filters, ages) and attribute facets gives exactly what the embedded engine gives for the
 * same catalog. The full-text parts run against a real cluster in the conformance suite.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchBackend } from '../../../src/backends/elasticsearch/elasticsearch-backend.ts';
import { loadIndexDefinition } from '../../../src/backends/elasticsearch/index-settings.ts';
import { loadIngestPipeline } from '../../../src/backends/elasticsearch/ingest-pipeline.ts';
import { EmbeddedBackend } from '../../../src/backends/embedded/embedded-backend.ts';
import type { SearchFilters } from '../../../src/catalog/catalog-query.ts';
import { CatalogService } from '../../../src/catalog/catalog-service.ts';
import type { BrowseQuery, SearchBackend } from '../../../src/catalog/search-backend.ts';
import { EmbedderSlot } from '../../../src/embeddings/embedder.ts';
import { HashingEmbedder } from '../../../src/embeddings/hashing-embedder.ts';
import { attributeRichCatalog } from '../../fixtures/attribute-rich-catalog.ts';
import { FIXTURE_PRODUCTS } from '../../fixtures/products.ts';
import { FakeElasticsearch } from '../../helpers/fake-elasticsearch.ts';
import { temporaryDirectory } from '../../helpers/runtime.ts';

const ALIAS = 'shop';
const embedder = new HashingEmbedder();
const pipeline = loadIngestPipeline(path.resolve('pipelines'), ALIAS);
const definition = loadIndexDefinition({
  dir: path.resolve('mappings/elasticsearch'),
  embedder,
  pipelineId: pipeline.id,
});

function elasticsearchOn(es: FakeElasticsearch): ElasticsearchBackend {
  return new ElasticsearchBackend({ client: es.client, alias: ALIAS, definition, pipeline });
}

describe('the synonym set on Elasticsearch', () => {
  it('is created before the index that refers to it, and follows synonyms.txt without a reindex', async () => {
    const es = new FakeElasticsearch();
    const backend = elasticsearchOn(es);
    await backend.setSynonyms(['sneakers, trainers']);
    await backend.open();
    const created = es.sent('PUT', '/shop-000001');
    const putSet = es.sent('PUT', '/_synonyms/shop-synonyms');
    expect(es.requests.indexOf(putSet[0]!)).toBeLessThan(es.requests.indexOf(created[0]!));
    const settings = es.indices.get('shop-000001')!.settings as {
      analysis: { filter: Record<string, unknown>; analyzer: Record<string, { filter: string[] }> };
    };
    expect(settings.analysis.filter.product_synonyms).toEqual({
      type: 'synonym_graph',
      synonyms_set: 'shop-synonyms',
      updateable: true,
    });
    expect(settings.analysis.analyzer.product_english_search!.filter).toContain('product_synonyms');
    expect(es.synonymSets.get('shop-synonyms')).toEqual([{ id: 'line-1', synonyms: 'sneakers, trainers' }]);

    await backend.setSynonyms(['tv => television', 'sofa, couch']);
    expect(es.synonymSets.get('shop-synonyms')).toEqual([
      { id: 'line-1', synonyms: 'tv => television' },
      { id: 'line-2', synonyms: 'sofa, couch' },
    ]);
    expect(es.indices.size).toBe(1); // no new index: the analyzers reload from the set
    const sent = es.sent('PUT', '/_synonyms/shop-synonyms').length;
    await backend.setSynonyms(['tv => television', 'sofa, couch']);
    expect(es.sent('PUT', '/_synonyms/shop-synonyms')).toHaveLength(sent); // unchanged: not sent again
  });
});

describe('browsing with attribute and rule filters: Elasticsearch (fake cluster) gives what the embedded engine gives', () => {
  const es = new FakeElasticsearch();
  const elasticsearch = elasticsearchOn(es);
  const embedded = new EmbeddedBackend({ dataDir: path.join(temporaryDirectory(), 'store'), embedder });
  const products = [...FIXTURE_PRODUCTS, ...attributeRichCatalog()];
  let fieldsBefore: number;

  beforeAll(async () => {
    await elasticsearch.open();
    await embedded.open();
    fieldsBefore = Object.keys(es.indices.get('shop-000001')!.mappings.properties ?? {}).length;
    for (const backend of [elasticsearch, embedded]) {
      const report = await new CatalogService(backend, new EmbedderSlot(embedder)).ingest(products);
      expect(report.rejected).toBe(0);
    }
    es.refresh(ALIAS);
  });
  afterAll(async () => {
    await embedded.close();
  });

  it('indexes thousands of attribute keys without adding a field to the mapping', () => {
    const index = es.indices.get('shop-000001')!;
    expect(index.docs.size).toBe(products.length);
    expect(Object.keys(index.mappings.properties ?? {})).toHaveLength(fieldsBefore);
    const rich = index.docs.get('mount-rich') as { attribute_values: Record<string, string[]> };
    expect(Object.keys(rich.attribute_values).length).toBeGreaterThan(300);
  });

  const browse = (backend: SearchBackend, filters: SearchFilters, sort: BrowseQuery['sort'] = 'relevance') =>
    backend.browse({
      filters,
      sort,
      offset: 0,
      limit: 50,
      priceEdges: [25, 50, 100, 250, 500, 1000],
      attributeFacets: [
        { key: 'finish', kind: 'terms' },
        { key: 'screen_size', kind: 'range', edges: [40, 50, 60] },
        { key: 'color', kind: 'terms' },
      ],
    });

  const cases: [string, SearchFilters, BrowseQuery['sort']?][] = [
    ['an attribute value', { attributes: { finish: { values: ['matte'] } } }],
    [
      'a numeric attribute range, text numbers included',
      { attributes: { screen_size: { min: 60, max: 70 } } },
    ],
    ['a category with attribute facets', { category: ['Electronics'] }],
    ['products added after a time', { createdFrom: '2025-06-01T00:00:00Z' }, 'newest'],
    ['products added before a time', { createdTo: '2025-01-01T00:00:00Z', category: ['Garden', 'Tools'] }],
    ['hidden ids', { category: ['Garden'], excludeIds: ['mower-2', 'hose-1'] }],
    [
      'a hidden brand and a forced filter',
      { category: ['Garden', 'Tools'], exclude: [{ brand: ['EGO'] }], require: [{ inStock: true }] },
      'price_asc',
    ],
    [
      'an exclusion on a missing value keeps the product',
      { category: ['Tools'], exclude: [{ priceMax: 20 }] },
    ],
    ['sorted by rating', { category: ['Garden', 'Tools', 'Home'] }, 'rating_desc'],
    ['sorted by popularity', { category: ['Garden', 'Tools', 'Home'] }, 'popularity_desc'],
  ];

  it.each(cases)('%s', async (_name, filters, sort) => {
    const [fromElasticsearch, fromEmbedded] = await Promise.all([
      browse(elasticsearch, filters, sort),
      browse(embedded, filters, sort),
    ]);
    expect(fromEmbedded.total).toBeGreaterThan(0);
    expect(fromElasticsearch.ids).toEqual(fromEmbedded.ids);
    expect(fromElasticsearch.total).toBe(fromEmbedded.total);
    const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(sorted(fromElasticsearch.attributeFacetRows)).toEqual(sorted(fromEmbedded.attributeFacetRows));
  });
});
