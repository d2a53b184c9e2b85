/**
 * The Elasticsearch engine behind the SearchBackend port. The service reads and writes one
 * alias; start-up installs the ingest pipeline and makes sure the alias serves an index that
 * matches mappings/elasticsearch. The service runs the two legs and fuses them itself, as on
 * the embedded engine: the ranker needs each leg's rank and score (ADR 0007).
 *
 * Availability: connection failures and timeouts become BackendUnavailableError (the API
 * answers 503 with Retry-After). Nothing about a failure is remembered: when the cluster
 * was down at start-up, set-up is retried by the next request or readiness probe, so the
 * service recovers by itself when the cluster returns.
 */
import { type Client, errors } from '@elastic/elasticsearch';
import type { Product } from '../../catalog/product.ts';
import {
  BackendUnavailableError,
  type BrowseQuery,
  type BrowseResult,
  type EmbedderIdentity,
  type IndexedProduct,
  type LexicalQuery,
  type PendingGeneration,
  type ProductSummary,
  type RankedHit,
  type SearchBackend,
  type VectorQuery,
} from '../../catalog/search-backend.ts';
import { hasMagnitude } from '../../embeddings/embedder.ts';
import type { ElasticsearchConfig } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';
import type { Logger } from '../../main/logger.ts';
import { errorType } from './client.ts';
import { ClusterResource, refusedItems, throwIfRefused } from './cluster.ts';
import {
  buildVersionedIndex,
  deleteIndexQuietly,
  ensureServingIndex,
  switchAlias,
} from './index-lifecycle.ts';
import {
  type IndexDefinition,
  loadIndexDefinition,
  synonymsSetId,
  withEmbedder,
  withSynonymsSet,
} from './index-settings.ts';
import { type IngestPipeline, installIngestPipeline, loadIngestPipeline } from './ingest-pipeline.ts';
import { scanIndex } from './product-scan.ts';
import { browseRequest, lexicalSearchRequest, vectorSearchRequest } from './query-builders.ts';
import {
  type BrowseAggregations,
  browseResult,
  contentHashesFromMget,
  cosineHits,
  productFromSource,
  productsFromMget,
  rankedHits,
  summariesFromMget,
} from './response-mapping.ts';
import { PRODUCT_FIELDS, SUMMARY_FIELDS, toSearchDocument } from './search-document.ts';

export interface ElasticsearchBackendOptions {
  client: Client;
  /** The alias the service reads and writes. */
  alias: string;
  definition: IndexDefinition;
  pipeline: IngestPipeline;
  logger?: Logger;
  /** Timeout of the readiness ping, short so a probe never hangs (default 1000 ms). */
  readinessTimeoutMs?: number;
  /** Versioned indices kept after a reindex, the serving one included (default 2). */
  keepIndices?: number;
  /** Timeout of bulk writes, refreshes and reindex pages (ELASTICSEARCH_BULK_TIMEOUT_MS). */
  bulkTimeoutMs?: number;
}

export class ElasticsearchBackend implements SearchBackend {
  readonly kind = 'elasticsearch' as const;
  private readonly cluster: ClusterResource;
  private definition: IndexDefinition;
  /** The synonym lines the alias's synonym set should hold (synonyms.txt). */
  private synonymRules: readonly string[] = [];

  constructor(private readonly options: ElasticsearchBackendOptions) {
    this.definition = withSynonymsSet(options.definition, synonymsSetId(options.alias));
    this.cluster = new ClusterResource(options.client, {
      setUp: () => this.runSetUp(),
      ...(options.bulkTimeoutMs !== undefined && { bulkTimeoutMs: options.bulkTimeoutMs }),
    });
  }

  get alias(): string {
    return this.options.alias;
  }

  private get vectorDimensions(): number {
    return (this.definition.mappings.properties!.vector as { dims?: number }).dims ?? 0;
  }

  /**
   * Sets up the alias and pipeline. An unreachable cluster is not fatal (the service starts,
   * answers 503 and sets up once the cluster answers); a mapping conflict or a refused
   * request is, with the reason in plain words.
   */
  async open(): Promise<void> {
    try {
      await this.cluster.ensure();
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      this.options.logger?.warn(
        { err: error, alias: this.alias },
        'Elasticsearch is unreachable; searches answer 503 until it returns',
      );
    }
  }

  /** Closes the client, which createStores shares with the other cluster stores. */
  async close(): Promise<void> {
    await this.options.client.close();
  }

  async isReady(): Promise<boolean> {
    try {
      const { client, readinessTimeoutMs = 1000 } = this.options;
      if (!(await client.ping({}, { requestTimeout: readinessTimeoutMs, maxRetries: 0 }))) return false;
      await this.cluster.ensure();
      return true;
    } catch {
      return false;
    }
  }

  private async runSetUp(): Promise<void> {
    const { client, alias, pipeline, logger } = this.options;
    await installIngestPipeline(client, pipeline);
    // The set must exist before an index refers to it (an index made first would not open).
    await this.putSynonymsSet(client);
    const serving = await ensureServingIndex(client, alias, this.definition);
    logger?.info({ alias, index: serving.index, created: serving.created }, 'Elasticsearch index ready');
  }

  private async putSynonymsSet(client: Client): Promise<void> {
    const id = synonymsSetId(this.alias);
    try {
      await client.synonyms.putSynonym({
        id,
        synonyms_set: this.synonymRules.map((synonyms, i) => ({ id: `line-${i + 1}`, synonyms })),
      });
    } catch (error) {
      if (!(error instanceof errors.ResponseError) || (error.statusCode ?? 0) >= 500) throw error;
      throw new ServiceError(
        'index_write_failed',
        `Elasticsearch refused the synonym set ${id} (${errorType(error) ?? error.statusCode}: ${error.message}); ` +
          'the synonyms API needs Elasticsearch 8.10 or newer and the manage_search_synonyms cluster privilege',
        { cause: error },
      );
    }
  }

  /**
   * synonyms.txt's lines into the alias's synonym set. The cluster reloads the search
   * analyzers that read it, so searches use them at once, without a reindex.
   */
  async setSynonyms(rules: readonly string[]): Promise<void> {
    const changed =
      rules.length !== this.synonymRules.length || rules.some((r, i) => r !== this.synonymRules[i]);
    this.synonymRules = [...rules];
    if (changed) await this.cluster.call((client) => this.putSynonymsSet(client));
  }

  async upsertProducts(items: readonly IndexedProduct[]): Promise<void> {
    if (items.length === 0) return;
    const documents = items.map(toSearchDocument);
    const results = await this.cluster.bulk(
      documents.map((body) => ({ action: { index: { _index: this.alias, _id: body.id } }, body })),
    );
    const refused = refusedItems(results, (i) => documents[i]!.id);
    throwIfRefused(this.alias, refused, results.length - refused.length);
  }

  async contentHashes(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const response = await this.cluster.call((client) =>
      client.mget({ index: this.alias, ids: [...ids], _source_includes: ['content_hash'] }),
    );
    return contentHashesFromMget(response);
  }

  async deleteProduct(id: string): Promise<boolean> {
    const response = await this.cluster.call((client) =>
      client.delete({ index: this.alias, id }, { ignore: [404] }),
    );
    return response.result === 'deleted';
  }

  async getProducts(ids: readonly string[]): Promise<Map<string, Product>> {
    if (ids.length === 0) return new Map();
    const response = await this.cluster.call((client) =>
      client.mget({ index: this.alias, ids: [...ids], _source_includes: PRODUCT_FIELDS }),
    );
    return productsFromMget(response);
  }

  async getSummaries(ids: readonly string[]): Promise<Map<string, ProductSummary>> {
    if (ids.length === 0) return new Map();
    const response = await this.cluster.call((client) =>
      client.mget({ index: this.alias, ids: [...ids], _source_includes: [...SUMMARY_FIELDS] }),
    );
    return summariesFromMget(response);
  }

  async countProducts(): Promise<number> {
    const response = await this.cluster.call((client) => client.count({ index: this.alias }));
    return response.count;
  }

  async lexicalSearch(query: LexicalQuery): Promise<RankedHit[]> {
    if (!query.text.trim()) return [];
    const response = await this.cluster.call((client) =>
      client.search(lexicalSearchRequest(this.alias, query)),
    );
    return rankedHits(response);
  }

  async vectorSearch(query: VectorQuery): Promise<RankedHit[]> {
    // A zero vector has no direction: no neighbours (Elasticsearch would reject it for cosine).
    // A vector of another size was embedded by the previous model while a reindex switched.
    if (!hasMagnitude(query.vector) || query.vector.length !== this.vectorDimensions) return [];
    const response = await this.cluster.call((client) =>
      client.search(vectorSearchRequest(this.alias, query)),
    );
    return cosineHits(response);
  }

  async browse(query: BrowseQuery): Promise<BrowseResult> {
    const response = await this.cluster.call((client) =>
      client.search<unknown, BrowseAggregations>(browseRequest(this.alias, query)),
    );
    return browseResult(response, query.attributeFacets);
  }

  /** HNSW graphs and segment merges are Elasticsearch's own business. */
  async optimize(): Promise<{ rebuilt: boolean }> {
    return { rebuilt: false };
  }

  /** Every product, in pages of a point in time (`product-scan.ts`): a slow consumer never loses its place. */
  async *scanProducts(batchSize: number): AsyncIterable<Product[]> {
    for await (const hits of scanIndex(this.cluster, {
      index: this.alias,
      size: batchSize,
      source: PRODUCT_FIELDS,
      ...(this.options.logger && { logger: this.options.logger }),
    })) {
      yield hits.map((hit) => productFromSource(hit._source, hit._id ?? '', hit._index));
    }
  }

  async buildGeneration(
    batches: AsyncIterable<readonly IndexedProduct[]>,
    embedder: EmbedderIdentity,
  ): Promise<PendingGeneration> {
    const definition = withEmbedder(this.definition, embedder);
    const built = await this.cluster.call((client) =>
      buildVersionedIndex({
        client,
        bulkClient: this.cluster.long.idempotent,
        alias: this.alias,
        definition,
        batches,
      }),
    );
    return {
      name: built.index,
      documents: built.documents,
      commit: async () => {
        const report = await this.cluster.call((client) =>
          switchAlias(client, this.alias, built, this.options.keepIndices ?? 2),
        );
        this.definition = definition;
        return {
          generation: report.index,
          previous: report.previous,
          documents: report.documents,
          tookMs: report.tookMs,
        };
      },
      discard: () => deleteIndexQuietly(this.options.client, built.index),
    };
  }
}

/** The backend as configured: index definition from mappings/, pipeline from pipelines/. */
export function createElasticsearchBackend(
  config: ElasticsearchConfig,
  client: Client,
  embedder: { id: string; dimensions: number },
  logger?: Logger,
): ElasticsearchBackend {
  const pipeline = loadIngestPipeline(config.pipelinesDir, config.alias);
  const definition = loadIndexDefinition({ dir: config.mappingsDir, embedder, pipelineId: pipeline.id });
  return new ElasticsearchBackend({
    client,
    alias: config.alias,
    definition,
    pipeline,
    keepIndices: config.keepIndices,
    bulkTimeoutMs: config.bulkTimeoutMs,
    ...(logger && { logger }),
  });
}
