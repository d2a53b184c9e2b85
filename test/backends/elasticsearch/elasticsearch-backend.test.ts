import path from 'node:path';
import { errors } from '@elastic/elasticsearch';
import { beforeEach, describe, expect, it } from 'vitest';
import { ElasticsearchBackend } from '../../../src/backends/elasticsearch/elasticsearch-backend.ts';
import { loadIndexDefinition } from '../../../src/backends/elasticsearch/index-settings.ts';
import { loadIngestPipeline } from '../../../src/backends/elasticsearch/ingest-pipeline.ts';
import { MappingConflictError } from '../../../src/backends/elasticsearch/mapping-conflicts.ts';
import { productContentHash, productSchema } from '../../../src/catalog/product.ts';
import { BackendUnavailableError, type IndexedProduct } from '../../../src/catalog/search-backend.ts';
import { emptySearchResponse, FakeElasticsearch, responseError } from '../../helpers/fake-elasticsearch.ts';

const ALIAS = 'shop';
const pipeline = loadIngestPipeline(path.resolve('pipelines'), ALIAS);
const definition = loadIndexDefinition({
  dir: path.resolve('mappings/elasticsearch'),
  embedder: { id: 'test-embedder', dimensions: 2 },
  pipelineId: pipeline.id,
});
const weights = { title: 3, brand: 2, category: 1.5, description: 0.5, attributes: 0.75 };

function item(record: Record<string, unknown>): IndexedProduct {
  const product = productSchema.parse(record);
  return { product, contentHash: productContentHash(product), vector: new Float32Array([0.6, 0.8]) };
}

describe('Elasticsearch backend (against the transport mock)', () => {
  let es: FakeElasticsearch;
  let backend: ElasticsearchBackend;

  beforeEach(() => {
    es = new FakeElasticsearch();
    backend = new ElasticsearchBackend({
      client: es.client,
      alias: ALIAS,
      definition,
      pipeline,
    });
  });

  it('installs the pipeline and creates the serving index on open', async () => {
    await backend.open();
    expect(es.pipelines.get('shop-ingest')).toMatchObject({ processors: pipeline.processors });
    expect(es.aliasTargets(ALIAS)).toEqual(['shop-000001']);
    expect(await backend.isReady()).toBe(true);
  });

  it('refuses to open on an index whose mapping conflicts', async () => {
    const vector = { type: 'dense_vector' as const, dims: 3, similarity: 'cosine' as const };
    es.addIndex(
      'shop-000001',
      { ...definition.mappings, properties: { ...definition.mappings.properties, vector } },
      [ALIAS],
    );
    await expect(backend.open()).rejects.toThrow(MappingConflictError);
  });

  it('writes search documents through the alias and reads products back exactly', async () => {
    await backend.open();
    const drill = item({ id: 'drill-1', title: 'Cordless Drill', category: 'Tools > Drills', price: 99 });
    await backend.upsertProducts([drill, item({ id: 'bare-1', title: 'Screws' })]);
    const stored = es.indices.get('shop-000001')!.docs.get('drill-1');
    expect(stored).toMatchObject({
      category_prefixes: ['Tools', 'Tools > Drills'],
      content_hash: drill.contentHash,
    });
    expect(await backend.contentHashes(['drill-1', 'nope'])).toEqual(
      new Map([['drill-1', drill.contentHash]]),
    );
    expect((await backend.getProducts(['drill-1'])).get('drill-1')).toEqual(drill.product);
    expect(es.sent('POST', '/shop/_mget').at(-1)?.querystring._source_includes).not.toContain('vector');
    expect((await backend.getSummaries(['drill-1'])).get('drill-1')).toEqual({
      id: 'drill-1',
      title: 'Cordless Drill',
      category: ['Tools', 'Drills'],
      price: 99,
    });
    expect(await backend.countProducts()).toBe(2);
    expect(await backend.deleteProduct('drill-1')).toBe(true);
    expect(await backend.deleteProduct('drill-1')).toBe(false);
  });

  it('reports documents Elasticsearch rejected on upsert', async () => {
    await backend.open();
    es.bulkItemStatus = (id) => (id === 'bad' ? 400 : undefined);
    await expect(
      backend.upsertProducts([item({ id: 'good', title: 'A' }), item({ id: 'bad', title: 'B' })]),
    ).rejects.toThrow(/rejected 1 document.*bad \(400\)/);
  });

  it('returns cosine similarities from the kNN leg and nothing for a zero vector', async () => {
    await backend.open();
    es.onSearch = () => emptySearchResponse([{ _index: 'shop-000001', _id: 'a', _score: 0.75 }]);
    const hits = await backend.vectorSearch({ vector: new Float32Array([1, 0]), filters: {}, limit: 10 });
    expect(hits).toEqual([{ id: 'a', score: 0.5 }]);
    const searches = es.sent('POST', '/shop/_search').length;
    expect(await backend.vectorSearch({ vector: new Float32Array(2), filters: {}, limit: 10 })).toEqual([]);
    expect(es.sent('POST', '/shop/_search')).toHaveLength(searches);
  });

  describe('an unreachable cluster', () => {
    it('opens anyway, answers BackendUnavailableError and recovers by itself when the cluster returns', async () => {
      es.outage = new errors.ConnectionError('connect ECONNREFUSED 10.0.0.1:9200');
      await backend.open(); // not fatal: the service starts and reports not ready
      expect(await backend.isReady()).toBe(false);
      await expect(
        backend.lexicalSearch({
          text: 'drill',
          terms: ['drill'],
          filters: {},
          limit: 10,
          fieldWeights: weights,
        }),
      ).rejects.toThrow(BackendUnavailableError);
      await expect(backend.upsertProducts([item({ id: 'a', title: 'A' })])).rejects.toThrow(
        BackendUnavailableError,
      );

      es.outage = undefined;
      expect(await backend.isReady()).toBe(true);
      expect(es.aliasTargets(ALIAS)).toEqual(['shop-000001']); // set up on the way
      expect(
        await backend.lexicalSearch({
          text: 'drill',
          terms: ['drill'],
          filters: {},
          limit: 10,
          fieldWeights: weights,
        }),
      ).toEqual([]);
    });

    it('maps an outage after start-up, and a cluster answering 503, to BackendUnavailableError', async () => {
      await backend.open();
      es.outage = new errors.TimeoutError('Request timed out');
      await expect(backend.countProducts()).rejects.toThrow(BackendUnavailableError);
      es.outage = responseError(
        503,
        'cluster_block_exception',
        'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered]',
      );
      await expect(backend.getProducts(['a'])).rejects.toThrow(BackendUnavailableError);
      es.outage = undefined;
      expect(await backend.countProducts()).toBe(0);
    });

    it('keeps other errors what they are', async () => {
      await backend.open();
      es.onSearch = () => responseError(400, 'search_phase_execution_exception');
      const error = await backend
        .lexicalSearch({ text: 'drill', terms: ['drill'], filters: {}, limit: 10, fieldWeights: weights })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(errors.ResponseError);
    });
  });
});
