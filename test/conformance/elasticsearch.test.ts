/**
 * The conformance suite against a real Elasticsearch cluster, plus what only a real cluster
 * can show (analyzers, reindex and alias swap, mapping conflicts, native RRF). Runs when
 * ELASTICSEARCH_URL is set (npm run test:es); every run works in its own alias and deletes
 * its indices and pipeline afterwards.
 */
import type { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchClient } from '../../src/backends/elasticsearch/client.ts';
import {
  createElasticsearchBackend,
  type ElasticsearchBackend,
} from '../../src/backends/elasticsearch/elasticsearch-backend.ts';
import { listVersionedIndices, reindex } from '../../src/backends/elasticsearch/index-lifecycle.ts';
import {
  loadIndexDefinition,
  synonymsSetId,
  withSynonymsSet,
} from '../../src/backends/elasticsearch/index-settings.ts';
import { ingestPipelineId } from '../../src/backends/elasticsearch/ingest-pipeline.ts';
import { MappingConflictError } from '../../src/backends/elasticsearch/mapping-conflicts.ts';
import { productContentHash, productEmbeddingText, validateProduct } from '../../src/catalog/product.ts';
import type { IndexedProduct } from '../../src/catalog/search-backend.ts';
import { HashingEmbedder } from '../../src/embeddings/hashing-embedder.ts';
import type { ElasticsearchConfig } from '../../src/main/config.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { uniqueClusterConfig } from '../helpers/real-elasticsearch.ts';
import { describeBackendConformance } from './backend-conformance.ts';

const url = process.env.ELASTICSEARCH_URL;

/** Deletes the run's indices by name (wildcard deletes are refused by default), its pipeline and synonym set. */
async function cleanUp(client: Client, alias: string): Promise<void> {
  const indices = await listVersionedIndices(client, alias);
  if (indices.length > 0)
    await client.indices.delete({ index: indices.map((i) => i.name) }, { ignore: [404] });
  await client.ingest.deletePipeline({ id: ingestPipelineId(alias) }, { ignore: [404] });
  // A set still used by an index cannot be deleted: after the indices.
  await client.synonyms.deleteSynonym({ id: synonymsSetId(alias) }, { ignore: [404] });
}

/** Fields of the serving index's mapping, sub-fields included: it must not grow with attribute keys. */
async function mappedFields(client: Client, alias: string): Promise<number> {
  const response = await client.indices.getMapping({ index: alias });
  const count = (properties: Record<string, { properties?: object; fields?: object }> = {}): number =>
    Object.values(properties).reduce(
      (n, p) => n + 1 + count(p.properties as never) + Object.keys(p.fields ?? {}).length,
      0,
    );
  return Object.values(response).reduce((n, index) => n + count(index.mappings.properties as never), 0);
}

async function indexedFixtures(embedder: HashingEmbedder): Promise<IndexedProduct[]> {
  const products = FIXTURE_PRODUCTS.map((record) => {
    const validation = validateProduct(record);
    if (!validation.ok) throw new Error(`fixture ${JSON.stringify(record)} is invalid`);
    return validation.product;
  });
  const vectors = await embedder.embed(products.map(productEmbeddingText), 'passage');
  return products.map((product, i) => ({
    product,
    contentHash: productContentHash(product),
    vector: vectors[i]!,
  }));
}

describe.skipIf(!url)('Elasticsearch at ELASTICSEARCH_URL', () => {
  describeBackendConformance('elasticsearch', async () => {
    const config = uniqueClusterConfig();
    const embedder = new HashingEmbedder();
    const backend = createElasticsearchBackend(config, createElasticsearchClient(config), embedder);
    await backend.open();
    const admin = createElasticsearchClient(config);
    return {
      backend,
      embedder,
      refresh: async () => {
        await admin.indices.refresh({ index: config.alias });
      },
      mappedFields: () => mappedFields(admin, config.alias),
      dispose: async () => {
        await backend.close();
        await cleanUp(admin, config.alias);
        await admin.close();
      },
    };
  });

  describe('index lifecycle on a real cluster', () => {
    const embedder = new HashingEmbedder();
    let config: ElasticsearchConfig;
    let admin: Client;
    let backend: ElasticsearchBackend;

    beforeAll(async () => {
      config = uniqueClusterConfig();
      admin = createElasticsearchClient(config);
      backend = createElasticsearchBackend(config, createElasticsearchClient(config), embedder);
      await backend.open();
      await backend.upsertProducts(await indexedFixtures(embedder));
      await admin.indices.refresh({ index: config.alias });
    });

    afterAll(async () => {
      await backend?.close();
      await cleanUp(admin, config.alias);
      await admin?.close();
    });

    it('reindexes into the next version, swaps the alias and keeps searching', async () => {
      // As the backend creates indices: with the synonym filter on the alias's set (created at open).
      const definition = withSynonymsSet(
        loadIndexDefinition({
          dir: config.mappingsDir,
          embedder,
          pipelineId: ingestPipelineId(config.alias),
        }),
        synonymsSetId(config.alias),
      );
      const fixtures = await indexedFixtures(embedder);
      async function* batches() {
        yield fixtures.slice(0, 4);
        yield fixtures.slice(4);
      }
      const report = await reindex({
        client: admin,
        alias: config.alias,
        definition,
        batches: batches(),
        keep: 1,
      });
      expect(report.index).toBe(`${config.alias}-000002`);
      expect(report.documents).toBe(FIXTURE_PRODUCTS.length);
      expect(report.pruned).toEqual([`${config.alias}-000001`]);
      expect(Object.keys(await admin.indices.getAlias({ name: config.alias }))).toEqual([report.index]);
      expect(await backend.countProducts()).toBe(FIXTURE_PRODUCTS.length);
      const ids = (
        await backend.lexicalSearch({
          text: 'cordless drill',
          terms: ['cordless', 'drill'],
          filters: {},
          limit: 5,
          fieldWeights: { title: 3, brand: 2, category: 1.5, description: 0.5, attributes: 0.75 },
        })
      ).map((h) => h.id);
      expect(ids[0]).toBe('drill-1');
      const stored = await admin.get<{ indexed_at?: string }>({ index: config.alias, id: 'drill-1' });
      expect(stored._source?.indexed_at).toMatch(/^\d{4}-\d{2}-\d{2}T/); // the ingest pipeline ran
    });

    it('refuses to start on an index made for another vector size, naming the field', async () => {
      const other = createElasticsearchBackend(
        config,
        createElasticsearchClient(config),
        new HashingEmbedder(64),
      );
      const error = await other.open().catch((e: unknown) => e);
      await other.close();
      expect(error).toBeInstanceOf(MappingConflictError);
      expect((error as Error).message).toMatch(/field "vector": dims is 256 in the index but 64 is expected/);
    });
  });
});
