/**
 * The end of the search path: the page's hits with their products (and, with explain,
 * each stage's part of why they rank there), the page logged with the feature values the
 * ranker saw (feature logging, what training learns from), and the observation.
 */

import type { SortOrder } from '../../catalog/catalog-query.ts';
import type { Product } from '../../catalog/product.ts';
import type { FiredRule, MerchandisingPlan, OverriddenAction } from '../../merchandising/plan.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { productText } from '../../ranking/features/product-text.ts';
import { analyze } from '../../text/analyzer.ts';
import type { SpellingCorrection } from '../../text/spelling.ts';
import type { Intervention } from '../../users/events.ts';
import type { FacetCounts } from '../facets.ts';
import type { StageTimer } from '../stage-timer.ts';
import type { RankedFeatures } from './features.ts';
import type { RankingInfo } from './rerank.ts';
import type { HitExplanation, PageOfHits, SearchStart, Summaries } from './stage.ts';

export interface SearchHit {
  id: string;
  score: number;
  product: Product;
  explain?: HitExplanation;
}

/** What the merchandising rules did to a search (present when one fired). */
export interface MerchandisingInfo {
  rules: FiredRule[];
  /** The query the engines searched, when a rule rewrote it. */
  rewritten_q?: string;
  /** Actions a rule of higher priority (or earlier in the file) won. */
  overridden?: OverriddenAction[];
  /** Pins not shown: the product is unknown, or the search's filters leave it out. */
  pins_not_shown?: { rule: string; id: string }[];
}

export interface SearchResponse {
  query_id: string;
  q: string;
  /** A page a rule sends this search to (the results are still given). */
  redirect?: { url: string; rule: string };
  mode: 'hybrid' | 'browse';
  total: number;
  page: number;
  size: number;
  sort: SortOrder;
  hits: SearchHit[];
  facets: FacetCounts;
  /** The query as the shopper probably meant it, when correcting it found better matches. */
  did_you_mean?: string;
  ranking?: RankingInfo;
  merchandising?: MerchandisingInfo;
  took: { total_ms: number; stages: Record<string, number> };
}

/** What any search has at its end; the second phase's fields only after a search with text. */
export interface Answered extends SearchStart, PageOfHits {
  facets: FacetCounts;
  products: Map<string, Product>;
  fusedRank?: ReadonlyMap<string, number>;
  features?: RankedFeatures;
  scores?: ReadonlyMap<string, number>;
  ranking?: RankingInfo;
  plan: MerchandisingPlan;
  pinsNotShown?: { rule: string; id: string }[];
  intervention?: Intervention;
  teams?: ReadonlyMap<string, 'control' | 'treatment'>;
  correction?: SpellingCorrection;
  summaries?: Summaries;
}

/**
 * A correction is worth saying when a typed word is unknown to the catalog (the results
 * are the corrected query's), or when a rare typed word was searched beside its correction
 * and the best hit holds the correction, not the typed word.
 */
function didYouMean(state: Answered, hits: readonly SearchHit[]): string | undefined {
  const { correction } = state;
  if (!correction || hits.length === 0) return undefined;
  if (correction.changes.some((change) => !change.kept)) return correction.suggestion;
  const top = productText(state.summaries?.get(hits[0]!.id));
  const holds = (word: string) => analyze(word).every((term) => top.terms.has(term));
  return correction.changes.some((change) => holds(change.to) && !holds(change.from))
    ? correction.suggestion
    : undefined;
}

function logImpression(state: Answered, features: RankedFeatures, hits: readonly SearchHit[]): void {
  const { request, ranking } = state;
  state.deps.ranking.events.recordImpression({
    queryId: state.queryId,
    query: state.plan.typedQuery,
    timestamp: Date.now(),
    ...(features.userHash && { userHash: features.userHash }),
    ...(request.sessionId && { sessionId: request.sessionId }),
    ...(ranking?.model && { modelVersion: ranking.model }),
    ...(state.intervention && { intervention: state.intervention }),
    ...(ranking?.experiment && { experiment: ranking.experiment }),
    items: hits.map((hit, i) => {
      const row = features.row(hit.id);
      const team = state.teams?.get(hit.id);
      return {
        productId: hit.id,
        position: state.offset + i + 1,
        ...(row && { features: Array.from(row) }),
        ...(team && { team }),
      };
    }),
  });
}

export function respond(
  state: Answered,
  mode: SearchResponse['mode'],
  timer: StageTimer,
  explain?: (id: string) => HitExplanation,
): SearchResponse {
  const { request, offset, ranking, fusedRank, plan } = state;
  const hits: SearchHit[] = [];
  for (const candidate of state.page as FusedCandidate[]) {
    const product = state.products.get(candidate.id);
    if (!product) continue; // deleted between retrieval and fetch
    const score = state.scores?.get(candidate.id) ?? candidate.score;
    hits.push({
      id: candidate.id,
      score,
      product,
      ...(request.explain && explain && { explain: explain(candidate.id) }),
    });
  }
  if (state.features && state.record) logImpression(state, state.features, hits);
  const suggestion = mode === 'hybrid' ? didYouMean(state, hits) : undefined;
  const response: SearchResponse = {
    query_id: state.queryId,
    q: plan.typedQuery,
    ...(plan.redirect && { redirect: plan.redirect }),
    mode,
    total: state.total,
    page: request.page,
    size: request.size,
    sort: request.sort,
    hits,
    facets: state.facets,
    ...(suggestion && { did_you_mean: suggestion }),
    ...(ranking && { ranking }),
    ...(plan.fired.length > 0 && {
      merchandising: {
        rules: plan.fired,
        ...(plan.rewrittenQuery !== undefined && { rewritten_q: plan.rewrittenQuery }),
        ...(plan.overridden.length > 0 && { overridden: plan.overridden }),
        ...(state.pinsNotShown?.length && { pins_not_shown: state.pinsNotShown }),
      },
    }),
    took: { total_ms: timer.totalMs, stages: timer.stages },
  };
  if (!state.record) return response;
  state.deps.observer?.search({
    queryId: state.queryId,
    mode,
    query: plan.typedQuery,
    total: state.total,
    shown: hits.length,
    firstPosition: offset + 1,
    stages: response.took.stages,
    reranked: ranking?.reranked ?? false,
    positionShifts:
      ranking?.reranked && fusedRank
        ? hits.flatMap((hit, i) => {
            const fused = fusedRank.get(hit.id);
            return fused === undefined ? [] : [Math.abs(offset + i + 1 - fused)];
          })
        : [],
    ...(ranking?.experiment && {
      experiment: { id: ranking.experiment.id, arm: ranking.experiment.arm ?? 'interleaved' },
    }),
    rules: plan.fired.map((rule) => rule.id),
  });
  return response;
}
