/**
 * The job store for the configured backend: a SQLite file beside the embedded index, or
 * indices in the Elasticsearch cluster, where replicas and CronJob pods share locks and history.
 */
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../backends/elasticsearch/client.ts';
import { ElasticsearchJobStore } from '../backends/elasticsearch/job-store.ts';
import { type Config, ConfigError } from '../main/config.ts';
import { type JobStore, SqliteJobStore } from './job-store.ts';

/** `client`: use this one (the caller closes it) instead of building one from the configuration. */
export function createJobStore(config: Config, client?: Client): JobStore {
  if (config.searchBackend !== 'elasticsearch')
    return new SqliteJobStore(path.join(config.dataDir, 'jobs.db'));
  if (!config.elasticsearch) throw new ConfigError('SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL');
  return new ElasticsearchJobStore({
    client: client ?? createElasticsearchClient(config.elasticsearch),
    ownsClient: client === undefined,
    alias: config.elasticsearch.alias,
  });
}
