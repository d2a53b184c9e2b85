/**
 * The EventStore conformance suite against the Elasticsearch store: always on the
 * in-memory fake cluster, and on a real cluster when ELASTICSEARCH_URL is set
 * (npm run test:es), each test in its own alias whose indices are deleted afterwards.
 */
import type { Client } from '@elastic/elasticsearch';
import { describe } from 'vitest';
import { ElasticsearchEventStore } from '../../src/backends/elasticsearch/event-store.ts';
import { shopperIndexNames } from '../../src/backends/elasticsearch/shopper-indices.ts';
import type { EventStore } from '../../src/users/event-store.ts';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch.ts';
import { REAL_CLUSTER_URL, uniqueClusterClient } from '../helpers/real-elasticsearch.ts';
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

describe.skipIf(!REAL_CLUSTER_URL)('Elasticsearch at ELASTICSEARCH_URL', () => {
  describeEventStoreConformance('Elasticsearch (real cluster)', async () => {
    const { client, alias, cleanUp } = uniqueClusterClient((a) => Object.values(shopperIndexNames(a)));
    return storesOn(client, alias, cleanUp);
  });
});
