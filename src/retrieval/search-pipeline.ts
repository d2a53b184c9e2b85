/**
 * The search path, as data. The merchandising rules that apply are found first (their
 * rewrites, hides and forced filters act on retrieval). First phase (retrieval and fusion,
 * on every match): analyze the query once (correcting misspelt words), the keyword leg's
 * synonyms and stopwords, embed it, retrieve with both legs, read the candidates'
 * summaries, fuse. Second phase (the learned ranker, on the top K): features, rerank. Then
 * the rules' pins, boosts and buries, facets, the requested order and page, the page's
 * products, and the response. Browse (filters, no text) skips the text stages. Each stage
 * is a file in stages/; the list below is the order they run in, each timed under its name.
 */
import { randomUUID } from 'node:crypto';
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
import { type SearchDeps, type SearchSnapshot, type SearchStart, Stages } from './stages/stage.ts';
import { summaries } from './stages/summaries.ts';
import { synonyms } from './stages/synonyms.ts';

/** Retrieval, fusion and the ranker's view of the top K: what serving reranks and training on judgments reads. */
const CANDIDATES = new Stages<SearchStart>()
  .add(matchRules)
  .add(analyze)
  .add(synonyms)
  .add(embed)
  .add(bm25)
  .add(knn)
  .add(summaries)
  .add(fuse)
  .add(candidateFacetRows)
  .add(features);

const SEARCH = CANDIDATES.add(rerank).add(rules).add(facets).add(sort).add(fetchProducts);

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
  constructor(private readonly deps: SearchDeps) {}

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
    const { state, explain } = await SEARCH.run(start, timer);
    return respond(state, 'hybrid', timer, explain);
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
