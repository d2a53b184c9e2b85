/**
 * Second phase: the learned ranker reorders the top K candidates by its score. With no
 * model, a broken one or `rerank=false`, the fused order stands and the response says why.
 * A model in shadow scores the same first pages without serving them (ranking/shadow.ts).
 * A small share of searches (`ranking.randomization`) then has a pair of its top results
 * swapped at random (position 1 with one below it, or adjacent pairs), logged with the impression: how position bias is measured
 * (ranking/interventions.ts). Only plain first pages by relevance take part; `rerank=false`
 * and `explain=true` never do. Where no model serves the shopper (none, or its gate kept it
 * from the segment), a shopper with a profile gets the bounded profile boost instead.
 */

import type { Arm } from '../../experiments/experiment-settings.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { FEATURE_NAMES } from '../../ranking/features/feature-set.ts';
import { randomizeSearch } from '../../ranking/interventions.ts';
import { profileAffinity, profileBoostOrder } from '../../ranking/profile-boost.ts';
import type { RerankFallback, RerankOutcome } from '../../ranking/reranker.ts';
import type { ImpressionExperiment, Intervention } from '../../users/events.ts';
import type { RankedFeatures } from './features.ts';
import type { SearchStart, Stage } from './stage.ts';

export interface RankingInfo {
  model: string | null;
  reranked: boolean;
  /** How many top fused candidates the model reordered (K). */
  window: number;
  /** Why the fused order was kept. */
  fallback?: RerankFallback;
  /** The search was in the randomized share: a pair (or pairs) of its top results may be swapped. */
  randomized?: true;
  /** The online experiment that ranked this search (mappings/experiments.yaml). */
  experiment?: ImpressionExperiment;
  /** No model served this shopper, and their profile lifted the products that fit it (ranking/profile-boost.ts). */
  personalized?: true;
}

interface Reranked {
  ranked: FusedCandidate[];
  /** The model's score of each candidate it reordered. */
  scores: ReadonlyMap<string, number>;
  ranking: RankingInfo;
  intervention?: Intervention;
  /** Interleaving: the arm that contributed each product. */
  teams?: ReadonlyMap<string, Arm>;
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
  run({ deps, request, settings, queryId, record, fused, features }) {
    const firstPage = request.page === 1 && request.sort === 'relevance';
    // An experiment's search is ranked by its arm (A/B) or both interleaved, and never randomized.
    const { experiments } = deps.ranking;
    const search = {
      queryId,
      firstPage,
      size: request.size,
      ...(request.userId && { userId: request.userId }),
      ...(request.sessionId && { sessionId: request.sessionId }),
    };
    // A preview's searches (not recorded) compare rule files, so both sides get the serving ranker.
    const assignment = request.explain || !record ? undefined : experiments?.assignment(search);
    const experiment =
      assignment && experiments!.serve(assignment, search, fused, features.features, features.count);
    const modelled =
      experiment?.outcome ?? deps.ranking.reranker.rerank(fused, features.features, features.count);
    const boosted = experiment
      ? undefined
      : boostByProfile(modelled, fused, features, settings.search.ranking.personalization.impact);
    const outcome = boosted ?? modelled;
    const { model, reranked, window, fallback } = outcome;
    // Pairs stay within the page shown, so the next page is the same whether or not this one was randomized.
    const { share, depth, method } = settings.search.ranking.randomization;
    // Only recorded searches: an intervention teaches something only through its logged list
    // (and a preview's two sides must differ by their files alone).
    const randomized =
      firstPage && record && !request.explain && !experiment
        ? randomizeSearch(queryId, outcome.candidates, {
            share,
            method,
            depth: Math.min(depth, request.size),
          })
        : undefined;
    const served = randomized?.items ?? outcome.candidates;
    // The model in shadow, if any, scores the same search against what the shopper got.
    if (firstPage)
      deps.ranking.reranker.shadow?.observe(
        queryId,
        fused,
        features.features,
        features.count,
        served,
        Math.min(request.size, served.length),
      );
    return {
      ranked: served,
      scores: outcome.scores,
      ranking: {
        model: model ?? null,
        reranked,
        window,
        ...(fallback && { fallback }),
        ...(randomized && { randomized: true as const }),
        ...(experiment && { experiment: experiment.experiment }),
        ...(boosted && { personalized: true as const }),
      },
      ...(randomized && { intervention: randomized.intervention }),
      ...(experiment?.teams && { teams: experiment.teams }),
    };
  },
  explain({ deps, scores, features, ranking }, id) {
    const model = deps.ranking.reranker.active;
    const row = features.row(id);
    const score = scores.get(id);
    if (!row || score === undefined) return undefined;
    if (ranking.personalized) return { personalization: { affinity: profileAffinity(row, 0), score } };
    if (!model) return undefined;
    const values = Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, row[j]!]));
    return {
      ranking: { model: model.version, score, features: values, contributions: model.contributions(row) },
    };
  },
};

/** Fallbacks that leave a shopper without a serving model: the profile boost may order for them. */
const BOOSTED_FALLBACKS: ReadonlySet<RerankFallback | undefined> = new Set([
  'no_model',
  'model_unavailable',
  'scoring_failed',
  'has_history',
]);

function boostByProfile(
  outcome: RerankOutcome,
  fused: readonly FusedCandidate[],
  features: RankedFeatures,
  impact: number,
): RerankOutcome | undefined {
  if (outcome.reranked || !BOOSTED_FALLBACKS.has(outcome.fallback)) return undefined;
  const boost = profileBoostOrder(features.features, features.count, impact);
  if (!boost) return undefined;
  return {
    ...outcome,
    candidates: [...boost.order.map((i) => fused[i]!), ...fused.slice(features.count)],
    scores: new Map(boost.order.map((i) => [fused[i]!.id, boost.scores[i]!])),
  };
}
