/**
 * Ranking features for each (query, product, shopper): the declared feature set run over
 * the top candidates of a search. The same extraction serves training (judgment lists) and
 * serving, and the values served are logged with the impression (feature logging, as the
 * Elasticsearch LTR plugin does), so the ranker trains on exactly what it saw.
 */
import type { ProductSummary } from '../../catalog/search-backend.ts';
import type { AnalyzedQuery } from '../../text/analyzer.ts';
import { hasHistory, priceTaste, type UserProfile } from '../../users/profiles.ts';
import type { QueryProductStats } from '../../users/query-engagement.ts';
import type { FusedCandidate } from '../candidate.ts';
import type { FeatureInput } from './feature.ts';
import { FEATURE_COUNT, FEATURES } from './feature-set.ts';
import { productText } from './product-text.ts';

export interface FeatureContext {
  query: AnalyzedQuery;
  profile?: UserProfile;
  /** Each candidate's engagement for this query. */
  engagement: ReadonlyMap<string, QueryProductStats>;
  /** The same summed over every query and product. */
  totals: QueryProductStats;
  now: number;
}

/**
 * Features of each candidate, row-major (candidates x FEATURE_COUNT), in the order of the
 * fused list (the first candidate has fused rank 1).
 */
export function extractFeatures(
  context: FeatureContext,
  candidates: readonly FusedCandidate[],
  summaries: ReadonlyMap<string, ProductSummary>,
): Float32Array {
  const { profile, totals } = context;
  const taste = profile ? priceTaste(profile) : undefined;
  const shared = {
    query: {
      terms: new Set(context.query.terms),
      phrase: context.query.phrase,
      hasDigits: context.query.hasDigits,
    },
    shopper: {
      ...(profile && { profile }),
      hasHistory: hasHistory(profile),
      ...(taste && { priceTaste: taste }),
      recent: new Set(profile?.recent ?? []),
      bought: new Set(profile?.purchased ?? []),
    },
    priors: {
      clicks: (totals.clicks + 1) / (totals.examinations + 10),
      conversions: (totals.carts + totals.purchases + 1) / (totals.examinations + 100),
    },
    now: context.now,
  };
  const out = new Float32Array(candidates.length * FEATURE_COUNT);
  candidates.forEach((candidate, i) => {
    const summary = summaries.get(candidate.id);
    const engagement = context.engagement.get(candidate.id);
    const input: FeatureInput = {
      ...shared,
      candidate,
      fusedRank: i + 1,
      ...(summary && { summary }),
      text: productText(summary),
      ...(engagement && { engagement }),
    };
    FEATURES.forEach((feature, j) => {
      out[i * FEATURE_COUNT + j] = feature.extract(input);
    });
  });
  return out;
}
