/**
 * The SearchBackend port: everything the service needs from a search engine. The
 * embedded SQLite engine and Elasticsearch both implement it and both pass the shared
 * conformance suite in test/conformance.
 */

import { ServiceError } from '../main/errors.ts';
import type {
  AttributeFacetRow,
  AttributeFacetSpec,
  FacetRow,
  SearchFilters,
  SortOrder,
} from './catalog-query.ts';
import type { Product } from './product.ts';

export interface EmbedderIdentity {
  id: string;
  dimensions: number;
}

/** What a full reindex did: the new generation now serves. */
export interface ReindexReport {
  /** The new generation (embedded: database file; Elasticsearch: index). */
  generation: string;
  /** The generations that served before. */
  previous: string[];
  documents: number;
  tookMs: number;
}

export interface IndexedProduct {
  product: Product;
  contentHash: string;
  vector: Float32Array;
}

/** One retrieval leg's result, best first. */
export interface RankedHit {
  id: string;
  /** Leg-specific score: BM25 (higher is better) or cosine similarity. */
  score: number;
}

/** The fields that facets, sorting and ranking features need, without the heavy text. */
export interface ProductSummary {
  id: string;
  title: string;
  brand?: string;
  category?: string[];
  price?: number;
  in_stock?: boolean;
  rating?: number;
  review_count?: number;
  popularity?: number;
  created_at?: string;
  /** Filters, attribute facets and merchandising rules read them. */
  attributes?: Product['attributes'];
}

export interface FieldWeights {
  title: number;
  brand: number;
  category: number;
  description: number;
  attributes: number;
}

export interface LexicalQuery {
  text: string;
  /** The analyzed terms of `text` (text/analyzer.ts), for engines that take tokens. */
  terms: readonly string[];
  /**
   * Analyzed token sequences matched besides `terms` (synonyms of the query's words), for
   * engines that take tokens; engines that analyze `text` themselves apply the synonyms there.
   */
  phrases?: readonly (readonly string[])[];
  filters: SearchFilters;
  limit: number;
  fieldWeights: FieldWeights;
}

export interface VectorQuery {
  vector: Float32Array;
  filters: SearchFilters;
  limit: number;
}

export interface BrowseQuery {
  filters: SearchFilters;
  sort: SortOrder;
  offset: number;
  limit: number;
  /** Price facet bucket edges, ascending. */
  priceEdges: readonly number[];
  /** Attribute facets to count over every product that passes the filters. */
  attributeFacets?: readonly AttributeFacetSpec[];
}

export interface BrowseResult {
  ids: string[];
  total: number;
  /** Facet counts over every product that passes the filters. */
  facetRows: FacetRow[];
  attributeFacetRows: AttributeFacetRow[];
}

/**
 * The engine cannot be reached or is overloaded (connection refused, timeout, 429/502/503/504).
 * The API answers 503 with `Retry-After`; nothing is cached, so the next request tries again.
 */
export class BackendUnavailableError extends ServiceError {
  readonly retryAfterSeconds: number;

  /** `busy`: the engine answered but refused the work for now (Elasticsearch's 429): `cluster_busy`. */
  constructor(
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number; busy?: boolean } = {},
  ) {
    const retryAfterSeconds = options.retryAfterSeconds ?? 5;
    super(options.busy ? 'cluster_busy' : 'backend_unavailable', message, {
      cause: options.cause,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface SearchBackend {
  readonly kind: 'embedded' | 'elasticsearch';
  open(): Promise<void>;
  close(): Promise<void>;
  /** True when the backend can answer searches right now. */
  isReady(): Promise<boolean>;
  upsertProducts(items: readonly IndexedProduct[]): Promise<void>;
  /** Content hashes of the stored products among `ids`, to skip unchanged upserts. */
  contentHashes(ids: readonly string[]): Promise<Map<string, string>>;
  deleteProduct(id: string): Promise<boolean>;
  getProducts(ids: readonly string[]): Promise<Map<string, Product>>;
  getSummaries(ids: readonly string[]): Promise<Map<string, ProductSummary>>;
  countProducts(): Promise<number>;
  lexicalSearch(query: LexicalQuery): Promise<RankedHit[]>;
  vectorSearch(query: VectorQuery): Promise<RankedHit[]>;
  browse(query: BrowseQuery): Promise<BrowseResult>;
  /**
   * The synonym lines of synonyms.txt, for an engine that applies synonyms in its own search
   * analyzer (Elasticsearch); an engine the service hands expanded terms to ignores them.
   */
  setSynonyms(rules: readonly string[]): Promise<void>;
  /** Bring derived index structures up to date (e.g. vector cells after the catalog grew). */
  optimize(): Promise<{ rebuilt: boolean }>;
  /** Every stored product, in batches of at most `batchSize`. */
  scanProducts(batchSize: number): AsyncIterable<Product[]>;
  /**
   * Builds a new generation of the index from `batches` (vectors from `embedder`) beside the
   * serving one. Nothing changes for searches and writes until `commit()` switches to it
   * atomically; a failed build leaves no trace and the old generation serving.
   */
  buildGeneration(
    batches: AsyncIterable<readonly IndexedProduct[]>,
    embedder: EmbedderIdentity,
  ): Promise<PendingGeneration>;
}

/** A fully built index generation waiting to serve. */
export interface PendingGeneration {
  readonly name: string;
  readonly documents: number;
  /** Switches searches and writes to this generation in one step and drops old ones. */
  commit(): Promise<ReindexReport>;
  /** Throws the generation away; the serving one is untouched. */
  discard(): Promise<void>;
}
