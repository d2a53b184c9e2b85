/** The cluster at ELASTICSEARCH_URL (npm run test:es), under an alias of its own per test. */
import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../../src/backends/elasticsearch/client.ts';
import { type ElasticsearchConfig, loadConfig } from '../../src/main/config.ts';

export const REAL_CLUSTER_URL = process.env.ELASTICSEARCH_URL;

/** The configuration from the environment, with a fresh alias (so its indices are the test's own). */
export function uniqueClusterConfig(): ElasticsearchConfig {
  const alias = `conformance-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  return loadConfig({ ...process.env, SEARCH_BACKEND: 'elasticsearch', ELASTICSEARCH_INDEX: alias })
    .elasticsearch!;
}

/** A client on a fresh alias, and a clean-up that deletes the named indices and closes it. */
export function uniqueClusterClient(indicesOf: (alias: string) => string[]): {
  client: Client;
  alias: string;
  cleanUp: () => Promise<void>;
} {
  const config = uniqueClusterConfig();
  const client = createElasticsearchClient(config);
  return {
    client,
    alias: config.alias,
    cleanUp: async () => {
      await client.indices.delete({ index: indicesOf(config.alias) }, { ignore: [404] });
      await client.close();
    },
  };
}
