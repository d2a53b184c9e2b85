/**
 * The shopper-data store for the configured backend: a SQLite file beside the embedded
 * index, or indices in the Elasticsearch cluster, where stateless replicas share it.
 */
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../backends/elasticsearch/client.ts';
import { ElasticsearchEventStore } from '../backends/elasticsearch/event-store.ts';
import { type Config, ConfigError } from '../main/config.ts';
import type { Logger } from '../main/logger.ts';
import { type EventStore, SqliteEventStore } from './event-store.ts';

/** `client`: use this one (the caller closes it) instead of building one from the configuration. */
export function createEventStore(config: Config, client?: Client, logger?: Logger): EventStore {
  if (config.searchBackend !== 'elasticsearch') {
    return new SqliteEventStore(path.join(config.dataDir, 'events.db'));
  }
  if (!config.elasticsearch) throw new ConfigError('SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL');
  return new ElasticsearchEventStore({
    client: client ?? createElasticsearchClient(config.elasticsearch),
    ownsClient: client === undefined,
    alias: config.elasticsearch.alias,
    ...(logger && { logger }),
  });
}
