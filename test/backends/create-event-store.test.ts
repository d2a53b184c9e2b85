import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElasticsearchEventStore } from '../../src/backends/elasticsearch/event-store.ts';
import { loadConfig } from '../../src/main/config.ts';
import { createEventStore } from '../../src/users/create-event-store.ts';
import { SqliteEventStore } from '../../src/users/event-store.ts';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

describe('createEventStore', () => {
  it('keeps shopper data in DATA_DIR/events.db for the embedded backend', async () => {
    const dataDir = temporaryDirectory();
    const store = createEventStore(loadConfig({ DATA_DIR: dataDir }));
    expect(store).toBeInstanceOf(SqliteEventStore);
    expect(fs.existsSync(path.join(dataDir, 'events.db'))).toBe(true);
    await store.close();
  });

  it('keeps shopper data in the cluster, in indices named after the alias, for Elasticsearch', async () => {
    const es = new FakeElasticsearch();
    const config = loadConfig({
      DATA_DIR: temporaryDirectory(),
      SEARCH_BACKEND: 'elasticsearch',
      ELASTICSEARCH_URL: 'http://localhost:9200',
      ELASTICSEARCH_INDEX: 'shop',
    });
    const store = createEventStore(config, es.client);
    expect(store).toBeInstanceOf(ElasticsearchEventStore);
    await store.saveProfiles([]);
    await store.productStats(['p1']);
    expect([...es.indices.keys()].sort()).toEqual([
      'shop-events',
      'shop-impressions',
      'shop-product-stats',
      'shop-profiles',
    ]);
    await store.close();
    expect(await es.client.ping()).toBe(true); // a client passed in stays the caller's
  });
});
