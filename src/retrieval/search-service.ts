/**
 * The search path as explicit stages, each timed:
 *   embed query -> retrieve (bm25 | knn) -> fuse -> features -> rerank (LTR) -> facets
 *   -> sort -> fetch
 * Every hybrid search logs its impression list
 * with the feature values the ranker saw.
 * A query without text (filters only) is a browse: the backend filters, sorts and counts
 * facets over the whole filtered catalog.
 */
import { randomUUID } from 'node:crypto';
import type { Product } from '../catalog/product.ts';
import type { ProductSummary, RankedHit, SearchBackend } from '../catalog/search-backend.ts';
import type { EmbedderSlot } from '../embeddings/embedder.ts';
import type { Mappings } from '../main/mappings.ts';
import type { FusedCandidate, LegPosition } from '../ranking/candidate.ts';
import { FEATURE_COUNT, FEATURE_NAMES } from '../ranking/features/feature-set.ts';
import type { CandidateFeatures, FeatureSource } from '../ranking/features/feature-source.ts';
import type { Reranker, RerankFallback } from '../ranking/reranker.ts';
import { analyzeQuery } from '../text/analyzer.ts';
import type { EventStore } from '../users/event-store.ts';
import { type FacetCounts, type FacetRow, foldFacetRows, priceBucketIndex } from './facets.ts';
import { fuse } from './fusion.ts';
import type { FusionMethod, SearchRequest, SortOrder } from './search-request.ts';
import { StageTimer } from './stage-timer.ts';

export interface HitExplanation {
  bm25: LegPosition | null;
  knn: LegPosition | null;
  fused: { method: FusionMethod; score: number; rank: number };
  /** Present when the learning-to-rank model scored the hit. */
  ranking?: {
    model: string;
    score: number;
    features: Record<string, number>;
    contributions: Record<string, number>;
  };
}

export interface RankingInfo {
  model: string | null;
  reranked: boolean;
  /** How many top fused candidates the model reordered (K). */
  window: number;
  /** Why the fused order was kept. */
  fallback?: RerankFallback;
}

/** What the search path reports about each search. */
export interface SearchObservation {
  queryId: string;
  mode: 'hybrid' | 'browse';
  total: number;
  shown: number;
  /** 1-based position of the first hit shown (page 2 of size 10 starts at 11). */
  firstPosition: number;
  stages: Record<string, number>;
  reranked: boolean;
  /** |reranked position - fused position| of each shown hit the model moved or kept. */
  positionShifts: number[];
}

/** Receives what happened in each search (metrics); absent in tests that do not care. */
export interface SearchObserver {
  search(observation: SearchObservation): void;
  /** The embedder failed; the search ran on BM25 alone. */
  embedderError(error: unknown): void;
}

/** The learning-to-rank stage's collaborators; absent in a retrieval-only service. */
export interface RankingServices {
  reranker: Reranker;
  features: FeatureSource;
  events: EventStore;
}

/** What retrieval and fusion produced for a query, with the ranker's view of the top. */
export interface Candidates {
  fused: FusedCandidate[];
  method: FusionMethod;
  summaries: Map<string, ProductSummary>;
  ranking?: CandidateFeatures;
}

export interface SearchHit {
  id: string;
  score: number;
  product: Product;
  explain?: HitExplanation;
}

export interface SearchResponse {
  query_id: string;
  q: string;
  mode: 'hybrid' | 'browse';
  total: number;
  page: number;
  size: number;
  sort: SortOrder;
  hits: SearchHit[];
  facets: FacetCounts;
  ranking?: RankingInfo;
  took: { total_ms: number; stages: Record<string, number> };
}

type Compare = (a: ProductSummary | undefined, b: ProductSummary | undefined) => number;

function nullsLast<T extends string | number>(
  pick: (s: ProductSummary) => T | undefined,
  direction: 1 | -1,
): Compare {
  return (a, b) => {
    const x = a ? pick(a) : undefined;
    const y = b ? pick(b) : undefined;
    if (x === undefined) return y === undefined ? 0 : 1;
    if (y === undefined) return -1;
    return x < y ? -direction : x > y ? direction : 0;
  };
}

const SORT_COMPARATORS: Record<Exclude<SortOrder, 'relevance'>, Compare> = {
  price_asc: nullsLast((s) => s.price, 1),
  price_desc: nullsLast((s) => s.price, -1),
  newest: nullsLast((s) => s.created_at, -1),
};

export class SearchService {
  constructor(
    private readonly backend: SearchBackend,
    private readonly embedder: EmbedderSlot,
    private readonly mappings: () => Mappings,
    private readonly ranking?: RankingServices,
    private readonly observer?: SearchObserver,
  ) {}

  async search(request: SearchRequest, timer = new StageTimer()): Promise<SearchResponse> {
    return request.q.trim() ? this.hybrid(request, timer) : this.browse(request, timer);
  }

  /**
   * Retrieval, fusion, product summaries and, with ranking wired, the features of the top
   * K candidates: what the ranker sees. Training on judgment lists calls this too, so it
   * learns from exactly the serving view.
   */
  async candidates(request: SearchRequest, timer = new StageTimer()): Promise<Candidates> {
    const mappings = this.mappings();
    const { search: settings } = mappings;
    const window = Math.max(settings.retrieval.window, request.page * request.size);
    // A failing embedder costs the vector leg, not the search: BM25 still answers.
    const vector = await timer.time('embed', async () => {
      try {
        return (await this.embedder.current.embed([request.q], 'query'))[0];
      } catch (error) {
        this.observer?.embedderError(error);
        return undefined;
      }
    });
    const method = request.fusion ?? settings.fusion.method;
    const fused = await this.fuseLegs(request, vector, window, method, mappings, timer);
    const needSummaries =
      this.ranking !== undefined || request.facets.length > 0 || request.sort !== 'relevance';
    const summaries = needSummaries
      ? await timer.time('summaries', () => this.backend.getSummaries(fused.map((c) => c.id)))
      : new Map<string, ProductSummary>();
    if (!this.ranking) return { fused, method, summaries };
    const { features } = this.ranking;
    const ranking = await timer.time('features', () =>
      features.forCandidates(
        analyzeQuery(request.q),
        request.userId,
        fused,
        summaries,
        settings.ranking.window,
      ),
    );
    return { fused, method, summaries, ranking };
  }

  private async hybrid(request: SearchRequest, timer: StageTimer): Promise<SearchResponse> {
    const queryId = randomUUID();
    const { search: settings } = this.mappings();
    const { fused, method, summaries, ranking } = await this.candidates(request, timer);
    let ranked = fused;
    let rankingInfo: RankingInfo | undefined;
    let scores = new Map<string, number>();
    if (this.ranking && ranking) {
      const { reranker } = this.ranking;
      const outcome =
        request.rerank === false
          ? {
              candidates: fused,
              reranked: false,
              window: ranking.count,
              fallback: 'disabled' as const,
              scores,
            }
          : await timer.time('rerank', () => reranker.rerank(fused, ranking.features, ranking.count));
      ranked = outcome.candidates;
      scores = outcome.scores;
      rankingInfo = {
        model: outcome.model ?? null,
        reranked: outcome.reranked,
        window: outcome.window,
        ...(outcome.fallback && { fallback: outcome.fallback }),
      };
    }
    const facets = await timer.time('facets', () =>
      foldFacetRows(
        fused.map((c) => summaryFacetRow(summaries.get(c.id), settings.facets.price_edges)),
        {
          fields: request.facets,
          priceEdges: settings.facets.price_edges,
          categoryFilter: request.filters.category,
          maxValues: settings.facets.max_values,
        },
      ),
    );
    const ordered = await timer.time('sort', () => sortCandidates(ranked, request.sort, summaries));
    const offset = (request.page - 1) * request.size;
    const pageCandidates = ordered.slice(offset, offset + request.size);
    const products = await timer.time('fetch', () =>
      this.backend.getProducts(pageCandidates.map((c) => c.id)),
    );
    const fusedRank = new Map(fused.map((c, i) => [c.id, i + 1]));
    const featureRow = (id: string): Float32Array | undefined => {
      const i = fusedRank.get(id)! - 1;
      return ranking && i < ranking.count
        ? ranking.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)
        : undefined;
    };
    const model = this.ranking?.reranker.active;
    const hits: SearchHit[] = [];
    for (const candidate of pageCandidates) {
      const product = products.get(candidate.id);
      if (!product) continue; // deleted between retrieval and fetch
      const score = scores.get(candidate.id) ?? candidate.score;
      const hit: SearchHit = { id: candidate.id, score, product };
      if (request.explain) {
        hit.explain = {
          bm25: candidate.bm25 ?? null,
          knn: candidate.knn ?? null,
          fused: { method, score: candidate.score, rank: fusedRank.get(candidate.id)! },
        };
        const row = featureRow(candidate.id);
        if (model && row && scores.has(candidate.id)) {
          hit.explain.ranking = {
            model: model.version,
            score,
            features: Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, row[j]!])),
            contributions: model.contributions(row),
          };
        }
      }
      hits.push(hit);
    }
    if (this.ranking) {
      this.ranking.events.recordImpression({
        queryId,
        query: request.q,
        timestamp: Date.now(),
        ...(ranking?.userHash && { userHash: ranking.userHash }),
        ...(request.sessionId && { sessionId: request.sessionId }),
        ...(rankingInfo?.model && { modelVersion: rankingInfo.model }),
        items: hits.map((hit, i) => {
          const row = featureRow(hit.id);
          return { productId: hit.id, position: offset + i + 1, ...(row && { features: Array.from(row) }) };
        }),
      });
    }
    const response = this.respond(request, 'hybrid', fused.length, hits, facets, timer, queryId, rankingInfo);
    this.observer?.search({
      queryId,
      mode: 'hybrid',
      total: fused.length,
      shown: hits.length,
      firstPosition: offset + 1,
      stages: response.took.stages,
      reranked: rankingInfo?.reranked ?? false,
      positionShifts: rankingInfo?.reranked
        ? hits.map((hit, i) => Math.abs(offset + i + 1 - fusedRank.get(hit.id)!))
        : [],
    });
    return response;
  }

  /** Runs the two legs here and fuses them with the shared fusion code. */
  private async fuseLegs(
    request: SearchRequest,
    vector: Float32Array | undefined,
    window: number,
    method: FusionMethod,
    { boosts, search: settings }: Mappings,
    timer: StageTimer,
  ): Promise<FusedCandidate[]> {
    // Sequential on purpose: the embedded legs are synchronous CPU work, so running them
    // "concurrently" gains nothing and would charge one leg's time to the other's stage.
    const bm25 = await timer.time('bm25', () =>
      this.backend.lexicalSearch({
        text: request.q,
        filters: request.filters,
        limit: window,
        fieldWeights: boosts.fields,
      }),
    );
    const knn = await timer.time('knn', async () => {
      if (!vector) return [];
      const hits = await this.backend.vectorSearch({ vector, filters: request.filters, limit: window });
      return hits.filter((h: RankedHit) => h.score >= settings.retrieval.knn_min_similarity);
    });
    return timer.time('fuse', () =>
      fuse(method, { bm25, knn }, { rrfK: settings.fusion.rrf_k, weights: settings.fusion.weights }),
    );
  }

  private async browse(request: SearchRequest, timer: StageTimer): Promise<SearchResponse> {
    const { search: settings } = this.mappings();
    const result = await timer.time('browse', () =>
      this.backend.browse({
        filters: request.filters,
        sort: request.sort,
        offset: (request.page - 1) * request.size,
        limit: request.size,
        priceEdges: settings.facets.price_edges,
      }),
    );
    const facets = await timer.time('facets', () =>
      foldFacetRows(result.facetRows, {
        fields: request.facets,
        priceEdges: settings.facets.price_edges,
        categoryFilter: request.filters.category,
        maxValues: settings.facets.max_values,
      }),
    );
    const products = await timer.time('fetch', () => this.backend.getProducts(result.ids));
    const hits = result.ids.flatMap((id) => {
      const product = products.get(id);
      return product ? [{ id, score: 0, product }] : [];
    });
    const response = this.respond(request, 'browse', result.total, hits, facets, timer);
    this.observer?.search({
      queryId: response.query_id,
      mode: 'browse',
      total: result.total,
      shown: hits.length,
      firstPosition: (request.page - 1) * request.size + 1,
      stages: response.took.stages,
      reranked: false,
      positionShifts: [],
    });
    return response;
  }

  private respond(
    request: SearchRequest,
    mode: SearchResponse['mode'],
    total: number,
    hits: SearchHit[],
    facets: FacetCounts,
    timer: StageTimer,
    queryId: string = randomUUID(),
    ranking?: RankingInfo,
  ): SearchResponse {
    return {
      query_id: queryId,
      q: request.q,
      mode,
      total,
      page: request.page,
      size: request.size,
      sort: request.sort,
      hits,
      facets,
      ...(ranking && { ranking }),
      took: { total_ms: timer.totalMs, stages: timer.stages },
    };
  }
}

function summaryFacetRow(summary: ProductSummary | undefined, priceEdges: readonly number[]): FacetRow {
  return {
    brand: summary?.brand ?? null,
    category: summary?.category?.join(' > ') ?? null,
    priceBucket: priceBucketIndex(summary?.price, priceEdges),
    count: 1,
  };
}

function sortCandidates(
  fused: FusedCandidate[],
  sort: SortOrder,
  summaries: ReadonlyMap<string, ProductSummary>,
): FusedCandidate[] {
  if (sort === 'relevance') return fused;
  const compare = SORT_COMPARATORS[sort];
  // Array.prototype.sort is stable: equal keys keep their relevance order.
  return [...fused].sort((a, b) => compare(summaries.get(a.id), summaries.get(b.id)));
}
