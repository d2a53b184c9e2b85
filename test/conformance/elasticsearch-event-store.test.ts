/**
 * The EventStore conformance suite against the Elasticsearch store: always on the
 * in-memory fake cluster, and on a real cluster when ELASTICSEARCH_URL is set
 * (npm run test:es), each test in its own alias whose indices are deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { describe } from 'vitest';
import { createElasticsearchClient } from '../../src/backends/elasticsearch/client.ts';
import { loadConfig } from '../../src/config.ts';
import { ElasticsearchEventStore } from '../../src/users/elasticsearch-event-store.ts';
import { shopperIndexNames } from '../../src/users/elasticsearch-shopper-indices.ts';
import type { EventStore } from '../../src/users/event-store.ts';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch.ts';
import { describeEventStoreConformance, type EventStoreUnderTest } from './event-store-conformance.ts';

/** Stores on one client and alias, as replicas of one deployment are. */
function storesOn(client: Client, alias: string, cleanUp: () => Promise<void>): EventStoreUnderTest {
  const stores: EventStore[] = [];
  const open = () => {
    const store = new ElasticsearchEventStore({ client, alias });
    stores.push(store);
    return store;
  };
  return {
    store: open(),
    reopen: async () => open(),
    dispose: async () => {
      for (const store of stores) await store.close();
      await cleanUp();
    },
  };
}

describeEventStoreConformance('Elasticsearch (fake cluster)', async () => {
  const es = new FakeElasticsearch();
  return storesOn(es.client, 'shop', async () => {});
});

const url = process.env.ELASTICSEARCH_URL;

describe.skipIf(!url)('Elasticsearch at ELASTICSEARCH_URL', () => {
  describeEventStoreConformance('Elasticsearch (real cluster)', async () => {
    const alias = `conformance-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const config = loadConfig({
      ...process.env,
      SEARCH_BACKEND: 'elasticsearch',
      ELASTICSEARCH_INDEX: alias,
    });
    const client = createElasticsearchClient(config.elasticsearch!);
    return storesOn(client, alias, async () => {
      await client.indices.delete({ index: Object.values(shopperIndexNames(alias)) }, { ignore: [404] });
      await client.close();
    });
  });
});
