/**
 * Ranking features for each (query, product, shopper). One extraction function serves
 * training and serving, and the values computed at serving time are logged with the
 * impression (feature logging, as the Elasticsearch LTR plugin does), so the ranker trains
 * on exactly what it saw.
 */

import { categoryPrefixes } from '../catalog/product.ts';
import type { ProductSummary } from '../catalog/search-backend.ts';
import type { FusedCandidate } from '../retrieval/fusion.ts';
import { analyze, normalizeText } from '../text/analyzer.ts';
import type { ProductStats } from '../users/event-store.ts';
import { affinityShare, hasHistory, priceBand, priceTaste, type UserProfile } from '../users/profiles.ts';

export const FEATURES = [
  // retrieval signals
  'bm25_score',
  'bm25_rank_log',
  'bm25_present',
  'knn_similarity',
  'knn_rank_log',
  'knn_present',
  'fused_score',
  'fused_rank_log',
  // text match
  'query_coverage',
  'exact_phrase',
  'brand_in_query',
  'category_in_query',
  'title_length_log',
  // product signals
  'price_log',
  'price_missing',
  'popularity_log',
  'ctr_smoothed',
  'purchase_rate_smoothed',
  'rating',
  'review_count_log',
  'age_days_log',
  'in_stock',
  // shopper-product signals
  'user_has_history',
  'category_affinity',
  'category_affinity_l1',
  'category_affinity_l2',
  'brand_affinity',
  'price_band_affinity',
  'price_distance',
  'seen_before',
  'bought_before',
  // query signals
  'query_terms',
  'query_has_digits',
] as const;

export type FeatureName = (typeof FEATURES)[number];
export const FEATURE_COUNT = FEATURES.length;

/** Prior strength of the click-through smoothing, in impressions. */
const CTR_PRIOR_WEIGHT = 20;
/** Rank used for a product a leg did not return. */
const ABSENT_RANK = 1000;

export interface FeatureContext {
  query: string;
  profile?: UserProfile;
  stats: ReadonlyMap<string, ProductStats>;
  totals: ProductStats;
  now: number;
}

export interface QueryFacts {
  terms: Set<string>;
  normalized: string;
  termCount: number;
  hasDigits: number;
}

export function queryFacts(query: string): QueryFacts {
  const terms = analyze(query);
  return {
    terms: new Set(terms),
    normalized: normalizeText(query).replace(/\s+/g, ' ').trim(),
    termCount: new Set(terms).size,
    hasDigits: /\d/.test(query) ? 1 : 0,
  };
}

function allIn(text: string | undefined, terms: Set<string>): number {
  if (!text) return 0;
  const wanted = analyze(text);
  return wanted.length > 0 && wanted.every((t) => terms.has(t)) ? 1 : 0;
}

/**
 * Features of each candidate, row-major (candidates x FEATURE_COUNT). `rank` is the
 * candidate's position in the fused list (1-based).
 */
export function extractFeatures(
  context: FeatureContext,
  candidates: readonly FusedCandidate[],
  summaries: ReadonlyMap<string, ProductSummary>,
): Float32Array {
  const facts = queryFacts(context.query);
  const { profile, stats, totals } = context;
  const history = hasHistory(profile) ? 1 : 0;
  const taste = profile ? priceTaste(profile) : undefined;
  const recent = new Set(profile?.recent ?? []);
  const bought = new Set(profile?.purchased ?? []);
  const ctrPrior = (totals.clicks + 1) / (totals.impressions + 10);
  const purchasePrior = (totals.purchases + 1) / (totals.impressions + 100);
  const out = new Float32Array(candidates.length * FEATURE_COUNT);
  candidates.forEach((candidate, i) => {
    const summary = summaries.get(candidate.id);
    const titleTerms = new Set(analyze(summary?.title));
    let covered = 0;
    for (const term of facts.terms) if (titleTerms.has(term)) covered++;
    const stat = stats.get(candidate.id);
    const impressions = stat?.impressions ?? 0;
    const price = summary?.price;
    const category = summary?.category;
    const prefixes = categoryPrefixes(category);
    const created = summary?.created_at ? Date.parse(summary.created_at) : Number.NaN;
    const values: number[] = [
      candidate.bm25?.score ?? 0,
      Math.log1p(candidate.bm25?.rank ?? ABSENT_RANK),
      candidate.bm25 ? 1 : 0,
      candidate.knn?.score ?? 0,
      Math.log1p(candidate.knn?.rank ?? ABSENT_RANK),
      candidate.knn ? 1 : 0,
      candidate.score,
      Math.log1p(i + 1),
      facts.termCount > 0 ? covered / facts.termCount : 0,
      facts.normalized.length > 0 && normalizeText(summary?.title ?? '').includes(facts.normalized) ? 1 : 0,
      allIn(summary?.brand, facts.terms),
      (category ?? []).some((segment) => allIn(segment, facts.terms) === 1) ? 1 : 0,
      Math.log1p(titleTerms.size),
      price !== undefined ? Math.log1p(price) : 0,
      price === undefined ? 1 : 0,
      Math.log1p(summary?.popularity ?? 0),
      ((stat?.clicks ?? 0) + CTR_PRIOR_WEIGHT * ctrPrior) / (impressions + CTR_PRIOR_WEIGHT),
      ((stat?.purchases ?? 0) + CTR_PRIOR_WEIGHT * purchasePrior) / (impressions + CTR_PRIOR_WEIGHT),
      summary?.rating ?? 0,
      Math.log1p(summary?.review_count ?? 0),
      Number.isNaN(created) ? Math.log1p(365) : Math.log1p(Math.max(0, (context.now - created) / 86_400_000)),
      summary?.in_stock === false ? 0 : 1,
      history,
      // The shopper's share at the product's own category and at its first two levels:
      // tastes live at any level of the tree (all of Garden, or just Lawn Mowers).
      profile ? affinityShare(profile.categories, prefixes.at(-1)) : 0,
      profile ? affinityShare(profile.categories, prefixes[0]) : 0,
      profile ? affinityShare(profile.categories, prefixes[1]) : 0,
      profile ? affinityShare(profile.brands, summary?.brand) : 0,
      profile && price !== undefined ? affinityShare(profile.priceBands, priceBand(price)) : 0,
      taste && price !== undefined && price > 0
        ? Math.abs(Math.log(price) - taste.mean) / (taste.std + 0.5)
        : 0,
      recent.has(candidate.id) ? 1 : 0,
      bought.has(candidate.id) ? 1 : 0,
      facts.termCount,
      facts.hasDigits,
    ];
    out.set(values, i * FEATURE_COUNT);
  });
  return out;
}

const HISTORY_FEATURE = FEATURES.indexOf('user_has_history');

/** Whether the shopper behind a list of feature rows has history (it is the same on every row). */
export function shopperHasHistory(features: Float32Array): boolean {
  return features[HISTORY_FEATURE]! > 0;
}
