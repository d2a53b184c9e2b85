/**
 * Finding 11 of issue 14: what a busy or slow cluster does to the adapter. The fake cluster
 * runs the service's own client settings (timeouts, retries, backoff) and can delay a
 * request past them, expire scroll and point-in-time contexts, and auto-create an index
 * on a write as Elasticsearch does.
 */
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { serviceClientOptions } from '../../../src/backends/elasticsearch/client.ts';
import { ElasticsearchBackend } from '../../../src/backends/elasticsearch/elasticsearch-backend.ts';
import { ElasticsearchEventStore } from '../../../src/backends/elasticsearch/event-store.ts';
import { loadIndexDefinition } from '../../../src/backends/elasticsearch/index-settings.ts';
import { loadIngestPipeline } from '../../../src/backends/elasticsearch/ingest-pipeline.ts';
import { ElasticsearchJobStore } from '../../../src/backends/elasticsearch/job-store.ts';
import { productContentHash, productSchema } from '../../../src/catalog/product.ts';
import type { IndexedProduct } from '../../../src/catalog/search-backend.ts';
import type { Logger } from '../../../src/main/logger.ts';
import type { StoredEvent } from '../../../src/users/events.ts';
import { FakeElasticsearch } from '../../helpers/fake-elasticsearch.ts';

const ALIAS = 'shop';
const EMBEDDER = { id: 'test-embedder', dimensions: 2 };
const pipeline = loadIngestPipeline(path.resolve('pipelines'), ALIAS);
const definition = loadIndexDefinition({
  dir: path.resolve('mappings/elasticsearch'),
  embedder: EMBEDDER,
  pipelineId: pipeline.id,
});

function item(id: string): IndexedProduct {
  const product = productSchema.parse({ id, title: `Product ${id}`, price: 10 });
  return { product, contentHash: productContentHash(product), vector: new Float32Array([0.6, 0.8]) };
}

const catalog = (n: number) => Array.from({ length: n }, (_, i) => item(`p${String(i).padStart(3, '0')}`));

async function* inBatches(items: readonly IndexedProduct[], size: number) {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

const quietLogger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() }) as unknown as Logger;

/** A cluster whose client is the service's (10 s search timeout in production; 150 ms here). */
function slowCluster(): FakeElasticsearch {
  return new FakeElasticsearch(serviceClientOptions({ requestTimeoutMs: 150 }));
}

function backendOn(es: FakeElasticsearch, bulkTimeoutMs: number): ElasticsearchBackend {
  return new ElasticsearchBackend({ client: es.client, alias: ALIAS, definition, pipeline, bulkTimeoutMs });
}

describe('Elasticsearch operational faults (fake cluster)', () => {
  describe('request timeouts', () => {
    it('gives a reindex’s bulk writes and refresh a longer timeout than searches: one slow bulk does not abort it', async () => {
      const es = slowCluster();
      const backend = backendOn(es, 2000);
      await backend.open();
      // Each bulk and refresh takes twice the search timeout.
      es.latency = ({ path: p }) => (p === '/_bulk' || p.endsWith('/_refresh') ? 300 : 0);
      const pending = await backend.buildGeneration(inBatches(catalog(30), 10), EMBEDDER);
      const report = await pending.commit();
      expect(report.documents).toBe(30);
      expect(es.aliasTargets(ALIAS)).toEqual(['shop-000002']);
      expect(es.indices.get('shop-000002')!.docs.size).toBe(30);
    });

    it('sends a bulk that timed out again (retryOnTimeout), and the reindex completes', async () => {
      const es = slowCluster();
      const backend = backendOn(es, 200);
      await backend.open();
      let bulks = 0;
      // The first bulk hangs past even the bulk timeout; the cluster still does the work.
      es.latency = ({ path: p }) => (p === '/_bulk' && bulks++ === 0 ? 1000 : 0);
      const pending = await backend.buildGeneration(inBatches(catalog(12), 4), EMBEDDER);
      await pending.commit();
      expect(bulks).toBeGreaterThan(1);
      expect(await backend.countProducts()).toBe(12);
    });

    it('never sends scripted counter increments again after a timeout: a slow flush counts once', async () => {
      const es = slowCluster();
      const logger = quietLogger();
      const store = new ElasticsearchEventStore({
        client: es.client,
        alias: ALIAS,
        logger,
        bulkTimeoutMs: 100,
      });
      await store.productStats(['p1']); // set up the indices
      es.latency = ({ path: p }) => (p === '/_bulk' ? 400 : 0);
      store.recordImpression({
        queryId: 'q1',
        query: 'drill',
        timestamp: Date.UTC(2026, 0, 1),
        items: [{ productId: 'p1', position: 1 }],
      });
      await expect(store.flush()).rejects.toThrow(/timed out|unavailable/i);
      es.latency = undefined;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await store.productStats(['p1'])).get('p1')?.impressions).toBe(1);
      expect(es.sent('POST', '/_bulk').length + es.sent('PUT', '/_bulk').length).toBe(1);
    });
  });

  describe('reindex paging', () => {
    it('reads the whole catalog through a point in time although the embedding step outlives the keep-alive', async () => {
      const es = new FakeElasticsearch();
      const backend = backendOn(es, 2000);
      await backend.open();
      await backend.upsertProducts(catalog(25));
      es.refresh(ALIAS);
      const seen: string[] = [];
      async function* embedded() {
        for await (const page of backend.scanProducts(10)) {
          seen.push(...page.map((p) => p.id));
          // The encoder took longer than the context's keep-alive on this page.
          es.contexts.expireAll();
          yield page.map((product) => ({ ...item(product.id), product }));
        }
      }
      const pending = await backend.buildGeneration(embedded(), EMBEDDER);
      const report = await pending.commit();
      expect(report.documents).toBe(25);
      expect(new Set(seen).size).toBe(25);
      expect(seen).toHaveLength(25); // resumed after the last id read: nothing twice
      expect(es.sent('POST', '/shop/_pit').length).toBeGreaterThan(1);
      expect(es.contexts.live).toBe(0); // the last point in time is closed
    });
  });

  describe('index templates', () => {
    let es: FakeElasticsearch;
    beforeEach(() => {
      es = new FakeElasticsearch();
      es.autoCreateIndex = true; // Elasticsearch's default
    });

    const click = (eventId: string): StoredEvent => ({
      eventId,
      type: 'click',
      productId: 'p1',
      userHash: 'u1',
      timestamp: Date.UTC(2026, 0, 1),
    });

    it('installs a template with the strict mappings for each shopper and job index before its first write', async () => {
      const store = new ElasticsearchEventStore({ client: es.client, alias: ALIAS, logger: quietLogger() });
      const jobs = new ElasticsearchJobStore({ client: es.client, alias: ALIAS });
      await store.appendEvents([click('e1')]);
      await jobs.acquireLock('reindex', 'me', 1000);
      const names = [
        'shop-events',
        'shop-impressions',
        'shop-profiles',
        'shop-product-stats',
        'shop-query-product-stats',
        'shop-engagement-lists',
        'shop-job-locks',
        'shop-job-runs',
      ];
      const writesTo = (name: string) => (r: (typeof es.requests)[number]) =>
        r.path.startsWith(`/${name}/_update/`) ||
        (r.path === '/_bulk' && JSON.stringify(r.body).includes(`"_index":"${name}"`));
      for (const name of names) {
        const firstWrite = es.requests.findIndex(writesTo(name));
        const template = es.requests.findIndex(
          (r) => r.method === 'PUT' && r.path === `/_index_template/${name}`,
        );
        expect(template, name).toBeGreaterThanOrEqual(0);
        if (firstWrite >= 0) expect(template, name).toBeLessThan(firstWrite);
        expect(es.templates.get(name)?.template?.mappings?.dynamic, name).toBe('strict');
      }
      expect(es.requests.some(writesTo('shop-events'))).toBe(true);
      expect(es.requests.some(writesTo('shop-job-locks'))).toBe(true);
      expect(es.autoCreated.size).toBe(0); // created explicitly, not by a write
    });

    it('an index deleted behind the service’s back comes back with its strict mappings, not dynamic ones', async () => {
      const store = new ElasticsearchEventStore({ client: es.client, alias: ALIAS, logger: quietLogger() });
      await store.appendEvents([click('e1')]);
      es.indices.delete('shop-events'); // an operator's cleanup script
      await store.appendEvents([click('e2')]);
      expect(es.autoCreated.get('shop-events')).toBe('shop-events');
      expect(es.indices.get('shop-events')!.mappings.dynamic).toBe('strict');
    });
  });
});
