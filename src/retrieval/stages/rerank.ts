/**
 * Second phase: the learned ranker reorders the top K candidates by its score. With no
 * model, a broken one or `rerank=false`, the fused order stands and the response says why.
 */
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { FEATURE_NAMES } from '../../ranking/features/feature-set.ts';
import type { RerankFallback } from '../../ranking/reranker.ts';
import type { RankedFeatures } from './features.ts';
import type { SearchStart, Stage } from './stage.ts';

export interface RankingInfo {
  model: string | null;
  reranked: boolean;
  /** How many top fused candidates the model reordered (K). */
  window: number;
  /** Why the fused order was kept. */
  fallback?: RerankFallback;
}

interface Reranked {
  ranked: FusedCandidate[];
  /** The model's score of each candidate it reordered. */
  scores: ReadonlyMap<string, number>;
  ranking: RankingInfo;
}

export const rerank: Stage<SearchStart & { fused: FusedCandidate[]; features: RankedFeatures }, Reranked> = {
  name: 'rerank',
  skip: ({ request, fused, features }) =>
    request.rerank === false
      ? {
          ranked: fused,
          scores: new Map(),
          ranking: { model: null, reranked: false, window: features.count, fallback: 'disabled' },
        }
      : undefined,
  run({ deps, fused, features }) {
    const outcome = deps.ranking.reranker.rerank(fused, features.features, features.count);
    const { model, reranked, window, fallback } = outcome;
    return {
      ranked: outcome.candidates,
      scores: outcome.scores,
      ranking: { model: model ?? null, reranked, window, ...(fallback && { fallback }) },
    };
  },
  explain({ deps, scores, features }, id) {
    const model = deps.ranking.reranker.active;
    const row = features.row(id);
    const score = scores.get(id);
    if (!model || !row || score === undefined) return undefined;
    const values = Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, row[j]!]));
    return {
      ranking: { model: model.version, score, features: values, contributions: model.contributions(row) },
    };
  },
};
