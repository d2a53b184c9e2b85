/**
 * The Elasticsearch engine behind the SearchBackend port. The service reads and writes one
 * alias; start-up installs the ingest pipeline, makes sure the alias serves an index that
 * matches mappings/elasticsearch and finds out whether the cluster can fuse by itself.
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
  type HybridQuery,
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
import type { Logger } from '../../main/logger.ts';
import { BulkIndexError, bulkIndex } from './bulk-indexing.ts';
import { createElasticsearchClient, toBackendError } from './client.ts';
import { detectNativeRrf } from './cluster-features.ts';
import {
  buildVersionedIndex,
  deleteIndexQuietly,
  ensureServingIndex,
  switchAlias,
} from './index-lifecycle.ts';
import { type IndexDefinition, loadIndexDefinition, withEmbedder } from './index-settings.ts';
import { type IngestPipeline, installIngestPipeline, loadIngestPipeline } from './ingest-pipeline.ts';
import {
  browseRequest,
  hybridSearchRequest,
  lexicalSearchRequest,
  vectorSearchRequest,
} from './query-builders.ts';
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
  /** `auto`: the rrf retriever where the cluster has it; `service`: always fuse in the service. */
  fusion: 'auto' | 'service';
  logger?: Logger;
  /** Timeout of the readiness ping, short so a probe never hangs (default 1000 ms). */
  readinessTimeoutMs?: number;
  /** Wait before retrying documents an upsert got refused with 429 (default 1000 ms). */
  upsertRetryWaitMs?: number;
  /** Versioned indices kept after a reindex, the serving one included (default 2). */
  keepIndices?: number;
}

export class ElasticsearchBackend implements SearchBackend {
  readonly kind = 'elasticsearch' as const;
  private setUp: Promise<void> | undefined;
  private ready = false;
  private nativeRrf = false;
  private definition: IndexDefinition;

  constructor(private readonly options: ElasticsearchBackendOptions) {
    this.definition = options.definition;
  }

  get alias(): string {
    return this.options.alias;
  }

  private get vectorDimensions(): number {
    return (this.definition.mappings.properties!.vector as { dims?: number }).dims ?? 0;
  }

  /** Whether hybrid searches are fused by the cluster's rrf retriever (known once set up). */
  get fusesNatively(): boolean {
    return this.nativeRrf;
  }

  /**
   * Sets up the alias and pipeline. An unreachable cluster is not fatal (the service starts,
   * answers 503 and sets up once the cluster answers); a mapping conflict or a refused
   * request is, with the reason in plain words.
   */
  async open(): Promise<void> {
    try {
      await this.ensureSetUp();
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      this.options.logger?.warn(
        { err: error, alias: this.alias },
        'Elasticsearch is unreachable; searches answer 503 until it returns',
      );
    }
  }

  /** The backend's client, which the service's other cluster stores share (the backend closes it). */
  get client(): Client {
    return this.options.client;
  }

  async close(): Promise<void> {
    await this.options.client.close();
  }

  async isReady(): Promise<boolean> {
    try {
      const { client, readinessTimeoutMs = 1000 } = this.options;
      if (!(await client.ping({}, { requestTimeout: readinessTimeoutMs, maxRetries: 0 }))) return false;
      await this.ensureSetUp();
      return true;
    } catch {
      return false;
    }
  }

  private ensureSetUp(): Promise<void> {
    if (this.ready) return Promise.resolve();
    this.setUp ??= this.runSetUp().then(
      () => {
        this.ready = true;
      },
      (error: unknown) => {
        this.setUp = undefined; // the next call tries again
        throw toBackendError(error);
      },
    );
    return this.setUp;
  }

  private async runSetUp(): Promise<void> {
    const { client, alias, pipeline, logger } = this.options;
    await installIngestPipeline(client, pipeline);
    const serving = await ensureServingIndex(client, alias, this.definition);
    logger?.info({ alias, index: serving.index, created: serving.created }, 'Elasticsearch index ready');
    if (this.options.fusion === 'auto') {
      const rrf = await detectNativeRrf(client);
      this.nativeRrf = rrf.supported;
      logger?.info({ nativeRrf: rrf.supported, reason: rrf.reason }, 'Elasticsearch fusion');
    }
  }

  /** Set up if needed, run, and turn connection failures into BackendUnavailableError. */
  private async call<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    await this.ensureSetUp();
    try {
      return await operation(this.options.client);
    } catch (error) {
      throw toBackendError(error);
    }
  }

  async upsertProducts(items: readonly IndexedProduct[]): Promise<void> {
    if (items.length === 0) return;
    const result = await this.call((client) =>
      bulkIndex(client, {
        index: this.alias,
        documents: items.map(toSearchDocument),
        waitMs: this.options.upsertRetryWaitMs ?? 1000,
      }),
    );
    if (result.failed > 0) throw new BulkIndexError(this.alias, result);
  }

  async contentHashes(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const response = await this.call((client) =>
      client.mget({ index: this.alias, ids: [...ids], _source_includes: ['content_hash'] }),
    );
    return contentHashesFromMget(response);
  }

  async deleteProduct(id: string): Promise<boolean> {
    const response = await this.call((client) => client.delete({ index: this.alias, id }, { ignore: [404] }));
    return response.result === 'deleted';
  }

  async getProducts(ids: readonly string[]): Promise<Map<string, Product>> {
    if (ids.length === 0) return new Map();
    const response = await this.call((client) =>
      client.mget({ index: this.alias, ids: [...ids], _source_includes: PRODUCT_FIELDS }),
    );
    return productsFromMget(response);
  }

  async getSummaries(ids: readonly string[]): Promise<Map<string, ProductSummary>> {
    if (ids.length === 0) return new Map();
    const response = await this.call((client) =>
      client.mget({ index: this.alias, ids: [...ids], _source_includes: [...SUMMARY_FIELDS] }),
    );
    return summariesFromMget(response);
  }

  async countProducts(): Promise<number> {
    const response = await this.call((client) => client.count({ index: this.alias }));
    return response.count;
  }

  async lexicalSearch(query: LexicalQuery): Promise<RankedHit[]> {
    if (!query.text.trim()) return [];
    const response = await this.call((client) => client.search(lexicalSearchRequest(this.alias, query)));
    return rankedHits(response);
  }

  async vectorSearch(query: VectorQuery): Promise<RankedHit[]> {
    // A zero vector has no direction: no neighbours (Elasticsearch would reject it for cosine).
    // A vector of another size was embedded by the previous model while a reindex switched.
    if (!hasMagnitude(query.vector) || query.vector.length !== this.vectorDimensions) return [];
    const response = await this.call((client) => client.search(vectorSearchRequest(this.alias, query)));
    return cosineHits(response);
  }

  async hybridSearch(query: HybridQuery): Promise<RankedHit[] | null> {
    await this.ensureSetUp();
    // rank_constant is an integer >= 1 in Elasticsearch; other k values are fused in the service.
    if (!this.nativeRrf || !Number.isInteger(query.rrfK) || query.rrfK < 1 || !hasMagnitude(query.vector)) {
      return null;
    }
    try {
      const response = await this.options.client.search(hybridSearchRequest(this.alias, query));
      return rankedHits(response);
    } catch (error) {
      if (!(error instanceof errors.ResponseError) || ![400, 403].includes(error.statusCode ?? 0)) {
        throw toBackendError(error);
      }
      // The license lapsed, or the cluster was downgraded: fuse in the service from now on.
      this.nativeRrf = false;
      this.options.logger?.warn(
        { err: error },
        'the rrf retriever was refused; fusing in the service from now on',
      );
      return null;
    }
  }

  async browse(query: BrowseQuery): Promise<BrowseResult> {
    const response = await this.call((client) =>
      client.search<unknown, BrowseAggregations>(browseRequest(this.alias, query)),
    );
    return browseResult(response);
  }

  /** HNSW graphs and segment merges are Elasticsearch's own business. */
  async optimize(): Promise<{ rebuilt: boolean }> {
    return { rebuilt: false };
  }

  async *scanProducts(batchSize: number): AsyncIterable<Product[]> {
    await this.ensureSetUp();
    const scroll = this.options.client.helpers.scrollSearch<unknown>({
      index: this.alias,
      size: batchSize,
      _source: PRODUCT_FIELDS,
      sort: ['_doc'],
    });
    try {
      for await (const page of scroll) {
        yield page.body.hits.hits.map((hit) => productFromSource(hit._source, hit._id ?? '', hit._index));
      }
    } catch (error) {
      throw toBackendError(error);
    }
  }

  async buildGeneration(
    batches: AsyncIterable<readonly IndexedProduct[]>,
    embedder: EmbedderIdentity,
  ): Promise<PendingGeneration> {
    const definition = withEmbedder(this.definition, embedder);
    const built = await this.call((client) =>
      buildVersionedIndex({ client, alias: this.alias, definition, batches }),
    );
    return {
      name: built.index,
      documents: built.documents,
      commit: async () => {
        const report = await this.call((client) =>
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

/** The backend as configured: client, index definition from mappings/, pipeline from pipelines/. */
export function createElasticsearchBackend(
  config: ElasticsearchConfig,
  embedder: { id: string; dimensions: number },
  logger?: Logger,
): ElasticsearchBackend {
  const pipeline = loadIngestPipeline(config.pipelinesDir, config.alias);
  const definition = loadIndexDefinition({ dir: config.mappingsDir, embedder, pipelineId: pipeline.id });
  return new ElasticsearchBackend({
    client: createElasticsearchClient(config),
    alias: config.alias,
    definition,
    pipeline,
    fusion: config.fusion,
    keepIndices: config.keepIndices,
    ...(logger && { logger }),
  });
}
