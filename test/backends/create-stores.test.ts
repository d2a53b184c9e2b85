import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStores } from '../../src/backends/create-stores.ts';
import { ElasticsearchBackend } from '../../src/backends/elasticsearch/elasticsearch-backend.ts';
import { ElasticsearchEventStore } from '../../src/backends/elasticsearch/event-store.ts';
import { ElasticsearchJobStore } from '../../src/backends/elasticsearch/job-store.ts';
import { EmbeddedBackend } from '../../src/backends/embedded/embedded-backend.ts';
import { SqliteEventStore } from '../../src/backends/embedded/event-store.ts';
import { SqliteJobStore } from '../../src/backends/embedded/job-store.ts';
import { loadConfig } from '../../src/main/config.ts';
import { createLogger } from '../../src/main/logger.ts';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

const options = {
  embedder: { id: 'test-embedder', dimensions: 2 },
  logger: createLogger('silent'),
  vectorIndex: { cellSize: 384, probes: 24 },
};

describe('createStores', () => {
  it('keeps everything in DATA_DIR for the embedded backend, shopper data and jobs in files of their own', async () => {
    const dataDir = temporaryDirectory();
    const stores = createStores(loadConfig({ DATA_DIR: dataDir }), options);
    expect(stores.backend).toBeInstanceOf(EmbeddedBackend);
    expect(stores.events).toBeInstanceOf(SqliteEventStore);
    expect(stores.jobs).toBeInstanceOf(SqliteJobStore);
    for (const file of ['events.db', 'jobs.db', 'suggestions.db'])
      expect(fs.existsSync(path.join(dataDir, file)), file).toBe(true);
    await stores.close();
  });

  it('keeps shopper data and jobs in the cluster, in indices named after the alias, on one client', async () => {
    const es = new FakeElasticsearch();
    const config = loadConfig({
      DATA_DIR: temporaryDirectory(),
      SEARCH_BACKEND: 'elasticsearch',
      ELASTICSEARCH_URL: 'http://localhost:9200',
      ELASTICSEARCH_INDEX: 'shop',
    });
    const stores = createStores(config, { ...options, client: es.client });
    expect(stores.backend).toBeInstanceOf(ElasticsearchBackend);
    expect(stores.events).toBeInstanceOf(ElasticsearchEventStore);
    expect(stores.jobs).toBeInstanceOf(ElasticsearchJobStore);
    await stores.events.saveProfiles([]);
    await stores.events.productStats(['p1']);
    await stores.jobs.runs();
    expect([...es.indices.keys()].sort()).toEqual([
      'shop-engagement-lists',
      'shop-events',
      'shop-impressions',
      'shop-job-locks',
      'shop-job-runs',
      'shop-product-stats',
      'shop-profiles',
      'shop-query-product-stats',
    ]);
    await stores.events.close();
    await stores.jobs.close();
    expect(await es.client.ping()).toBe(true); // the stores share the client; the backend closes it
  });
});
