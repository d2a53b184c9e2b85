/**
 * The search path, as data. The merchandising rules that apply are found first (their
 * rewrites, hides and forced filters act on retrieval). First phase (retrieval and fusion,
 * on every match): analyze the query once (correcting misspelt words), the keyword leg's
 * synonyms and stopwords, embed it, retrieve with both legs, read the candidates'
 * summaries, fuse. Second phase (the learned ranker, on the top K): features, rerank. Then
 * the rules' pins, boosts and buries, facets, the requested order and page, the page's
 * products, and the response. Browse (filters, no text) skips the text stages. Each stage
 * is a file in stages/; the list below is the order they run in, each timed under its name.
 * The first phase's result of a repeated request comes from the hot-query cache when there
 * is one (hot-query-cache.ts): those stages then do not run and are not timed.
 */
import { randomUUID } from 'node:crypto';
import { type HotQueryCache, hotQueryKey } from './hot-query-cache.ts';
import type { SearchRequest } from './search-request.ts';
import { StageTimer } from './stage-timer.ts';
import { analyze } from './stages/analyze.ts';
import { bm25 } from './stages/bm25.ts';
import { browse, page } from './stages/browse.ts';
import { embed } from './stages/embed.ts';
import { candidateFacetRows, facets } from './stages/facets.ts';
import { features } from './stages/features.ts';
import { fetchProducts } from './stages/fetch.ts';
import { fuse } from './stages/fuse.ts';
import { knn } from './stages/knn.ts';
import { matchRules } from './stages/match-rules.ts';
import { rerank } from './stages/rerank.ts';
import { respond, type SearchResponse } from './stages/respond.ts';
import { browseRules, rules } from './stages/rules.ts';
import { sort } from './stages/sort.ts';
import {
  type HitExplanation,
  type SearchDeps,
  type SearchSnapshot,
  type SearchStart,
  Stages,
} from './stages/stage.ts';
import { summaries } from './stages/summaries.ts';
import { synonyms } from './stages/synonyms.ts';

/** Retrieval and fusion: the first phase, which depends on the request but not on the shopper. */
const RETRIEVAL = new Stages<SearchStart>()
  .add(matchRules)
  .add(analyze)
  .add(synonyms)
  .add(embed)
  .add(bm25)
  .add(knn)
  .add(summaries)
  .add(fuse)
  .add(candidateFacetRows);

/** Retrieval, fusion and the ranker's view of the top K: what serving reranks and training on judgments reads. */
const CANDIDATES = RETRIEVAL.add(features);

export type Retrieved = Awaited<ReturnType<typeof RETRIEVAL.run>>['state'];

/** The second phase: the shopper's features, the ranker, the rules' placements, facets, the page. */
const RANKING = new Stages<Retrieved>()
  .add(features)
  .add(rerank)
  .add(rules)
  .add(facets)
  .add(sort)
  .add(fetchProducts);

/** The part of the first phase's state a cached entry keeps: not the search's own fields. */
export type CachedRetrieval = Omit<Retrieved, keyof SearchStart> & {
  rewritten: Pick<SearchRequest, 'q' | 'filters'>;
};

function mergeExplanations(
  ...parts: (((id: string) => HitExplanation) | undefined)[]
): ((id: string) => HitExplanation) | undefined {
  const present = parts.filter((p) => p !== undefined);
  if (present.length === 0) return undefined;
  return (id) => Object.assign({}, ...present.map((explain) => explain(id)));
}

const BROWSE = new Stages<SearchStart>()
  .add(matchRules)
  .add(browse)
  .add(browseRules)
  .add(facets)
  .add(page)
  .add(fetchProducts);

export interface SearchOptions {
  /** Search with these tuning files instead of the serving ones (the merchandising preview). */
  settings?: SearchSnapshot;
  /** Epoch ms to evaluate campaign windows at (default: now). */
  now?: number;
  /** Log the result list and observe the search in metrics (default true; a preview does neither). */
  record?: boolean;
}

export class SearchPipeline {
  constructor(
    private readonly deps: SearchDeps,
    private readonly cache?: HotQueryCache<CachedRetrieval>,
  ) {}

  async search(
    request: SearchRequest,
    timer = new StageTimer(),
    options: SearchOptions = {},
  ): Promise<SearchResponse> {
    const start = this.start(request, options);
    if (!request.q.trim()) {
      const { state, explain } = await BROWSE.run(start, timer);
      return respond(state, 'browse', timer, explain);
    }
    const retrieved = await this.retrieve(start, timer, options);
    const { state, explain } = await RANKING.run(retrieved.state, timer);
    return respond(state, 'hybrid', timer, mergeExplanations(retrieved.explain, explain));
  }

  /**
   * The first phase, from the hot-query cache when this request was answered recently. A
   * preview (settings other than the serving ones, or not recorded) and `explain` (which
   * needs every stage's part) always run it.
   */
  private async retrieve(
    start: SearchStart,
    timer: StageTimer,
    options: SearchOptions,
  ): Promise<{ state: Retrieved; explain?: (id: string) => HitExplanation }> {
    const cache = this.cache;
    const previewing = options.settings !== undefined && options.settings !== this.deps.settings();
    if (!cache || previewing || !start.record || start.request.explain) return RETRIEVAL.run(start, timer);
    const key = hotQueryKey(start.request, this.deps.embedder.current.id);
    const cached = cache.get(key);
    if (cached) {
      const { rewritten, ...outputs } = cached;
      return { state: { ...outputs, ...start, request: { ...start.request, ...rewritten } } as Retrieved };
    }
    const epoch = cache.currentEpoch;
    const result = await RETRIEVAL.run(start, timer);
    const {
      request,
      settings: _settings,
      deps: _deps,
      queryId: _id,
      now: _now,
      record: _record,
      ...outputs
    } = result.state;
    cache.set(key, { ...outputs, rewritten: { q: request.q, filters: request.filters } }, epoch);
    return result;
  }

  /**
   * The fused candidates of a plain query and the ranker's features of the top K, as
   * serving sees them for an anonymous shopper, and in `forShoppers` for each shopper
   * named by the hash logged searches carry (retrieval runs once).
   */
  async candidates(
    q: string,
    userHashes: readonly string[] = [],
  ): Promise<{ ids: string[]; features: Float32Array; count: number; forShoppers: Float32Array[] }> {
    const request: SearchRequest = {
      q,
      filters: {},
      facets: [],
      page: 1,
      size: 10,
      sort: 'relevance',
      explain: false,
    };
    const { state } = await CANDIDATES.run(this.start(request), new StageTimer());
    const forShoppers: Float32Array[] = [];
    for (const userHash of userHashes) {
      const personal = await this.deps.ranking.features.forCandidates(
        { query: state.query, text: q, userHash },
        state.fused,
        state.summaries,
        state.features.count,
      );
      forShoppers.push(personal.features);
    }
    return {
      ids: state.fused.map((c) => c.id),
      features: state.features.features,
      count: state.features.count,
      forShoppers,
    };
  }

  /** The same pipeline with other tuning files (a preview of a change, a benchmark's variant). */
  withSettings(settings: ReturnType<SearchDeps['settings']>): SearchPipeline {
    return new SearchPipeline({ ...this.deps, settings: () => settings });
  }

  /** Drops the hot-query cache's entries (a catalog write, a settings reload, a model promotion). */
  invalidate(reason: Parameters<HotQueryCache<CachedRetrieval>['invalidate']>[0]): void {
    this.cache?.invalidate(reason);
  }

  /** One settings snapshot per search: a mappings reload never splits one. */
  private start(request: SearchRequest, options: SearchOptions = {}): SearchStart {
    return {
      request,
      settings: options.settings ?? this.deps.settings(),
      deps: this.deps,
      queryId: randomUUID(),
      now: options.now ?? Date.now(),
      record: options.record ?? true,
    };
  }
}
