/**
 * The JobStore conformance suite: SQLite (several connections to one file), Elasticsearch on
 * the in-memory fake cluster, and a real cluster when ELASTICSEARCH_URL is set (npm run
 * test:es), each test in its own alias whose indices are deleted afterwards.
 */
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { describe } from 'vitest';
import { ElasticsearchJobStore, jobIndexNames } from '../../src/backends/elasticsearch/job-store.ts';
import { SqliteJobStore } from '../../src/backends/embedded/job-store.ts';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch.ts';
import { REAL_CLUSTER_URL, uniqueClusterClient } from '../helpers/real-elasticsearch.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';
import { describeJobStoreConformance } from './job-store-conformance.ts';

const REPLICAS = 4;

describeJobStoreConformance('SQLite', async () => {
  const file = path.join(temporaryDirectory(), 'jobs.db');
  const replicas = Array.from({ length: REPLICAS }, () => new SqliteJobStore(file));
  return { replicas, dispose: async () => void (await Promise.all(replicas.map((s) => s.close()))) };
});

function elasticsearchStores(client: Client, alias: string, cleanUp: () => Promise<void>) {
  const replicas = Array.from({ length: REPLICAS }, () => new ElasticsearchJobStore({ client, alias }));
  return { replicas, dispose: cleanUp };
}

describeJobStoreConformance('Elasticsearch (fake cluster)', async () => {
  const es = new FakeElasticsearch();
  return elasticsearchStores(es.client, 'shop', async () => {});
});

describe.skipIf(!REAL_CLUSTER_URL)('Elasticsearch at ELASTICSEARCH_URL', () => {
  describeJobStoreConformance('Elasticsearch (real cluster)', async () => {
    const { client, alias, cleanUp } = uniqueClusterClient((a) => Object.values(jobIndexNames(a)));
    return elasticsearchStores(client, alias, cleanUp);
  });
});
