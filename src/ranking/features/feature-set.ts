/**
 * The ranking features, declared once, in the order of the ranker's input (and of the
 * feature vectors logged with each impression: a new feature goes at the end, and a saved
 * model trained on another list is refused). Each feature is one definition (Metarank's
 * style): its name, the scope its value depends on, and how it is extracted. Training,
 * serving, feature logging and explain all read this list.
 */
import { affinityShare, priceBand } from '../../users/profiles.ts';
import type { Feature, FeatureInput, FeatureScope } from './feature.ts';

/**
 * Prior strength of the query-conditioned rates, in expected examinations: a product needs
 * about this much attention for a query before its own clicks outweigh what its fused rank
 * predicts.
 */
const ENGAGEMENT_PRIOR_WEIGHT = 5;
/** Rank used for a product a leg did not return. */
const ABSENT_RANK = 1000;
const DAY_MS = 86_400_000;

function feature<N extends string>(name: N, scope: FeatureScope, extract: Feature['extract']) {
  return { name, scope, extract };
}

function allIn(wanted: readonly string[], terms: ReadonlySet<string>): number {
  return wanted.length > 0 && wanted.every((t) => terms.has(t)) ? 1 : 0;
}

/**
 * A product's rate for this query: its count over its expected examinations (clicks over
 * expected clicks, so a high position earns no credit by itself), smoothed towards a Beta
 * prior whose mean comes from retrieval: the catalog-wide level discounted by the fused
 * rank, as 1 / log2(1 + rank). A product never shown for the query keeps the prior, so the
 * feature says no more than its fused rank does until shoppers have seen it for this query.
 */
function engagementRate(count: number | undefined, level: number, input: FeatureInput): number {
  const prior = level / Math.log2(1 + input.fusedRank);
  return (
    ((count ?? 0) + ENGAGEMENT_PRIOR_WEIGHT * prior) /
    ((input.engagement?.examinations ?? 0) + ENGAGEMENT_PRIOR_WEIGHT)
  );
}

function categoryAffinity({ shopper }: FeatureInput, prefix: string | undefined): number {
  return shopper.profile ? affinityShare(shopper.profile.categories, prefix) : 0;
}

export const FEATURES = [
  // retrieval signals
  feature('bm25_score', 'retrieval', ({ candidate }) => candidate.bm25?.score ?? 0),
  feature('bm25_rank_log', 'retrieval', ({ candidate }) => Math.log1p(candidate.bm25?.rank ?? ABSENT_RANK)),
  feature('bm25_present', 'retrieval', ({ candidate }) => (candidate.bm25 ? 1 : 0)),
  feature('knn_similarity', 'retrieval', ({ candidate }) => candidate.knn?.score ?? 0),
  feature('knn_rank_log', 'retrieval', ({ candidate }) => Math.log1p(candidate.knn?.rank ?? ABSENT_RANK)),
  feature('knn_present', 'retrieval', ({ candidate }) => (candidate.knn ? 1 : 0)),
  feature('fused_score', 'retrieval', ({ candidate }) => candidate.score),
  feature('fused_rank_log', 'retrieval', ({ fusedRank }) => Math.log1p(fusedRank)),
  // text match
  feature('query_coverage', 'text_match', ({ query, text }) => {
    if (query.terms.size === 0) return 0;
    let covered = 0;
    for (const term of query.terms) if (text.titleTerms.has(term)) covered++;
    return covered / query.terms.size;
  }),
  feature('exact_phrase', 'text_match', ({ query, text }) =>
    query.phrase.length > 0 && text.normalizedTitle.includes(query.phrase) ? 1 : 0,
  ),
  feature('brand_in_query', 'text_match', ({ query, text }) => allIn(text.brandTerms, query.terms)),
  feature('category_in_query', 'text_match', ({ query, text }) =>
    text.categoryTerms.some((terms) => allIn(terms, query.terms) === 1) ? 1 : 0,
  ),
  feature('title_length_log', 'text_match', ({ text }) => Math.log1p(text.titleTerms.size)),
  // product signals
  feature('price_log', 'product', ({ summary }) =>
    summary?.price !== undefined ? Math.log1p(summary.price) : 0,
  ),
  feature('price_missing', 'product', ({ summary }) => (summary?.price === undefined ? 1 : 0)),
  feature('popularity_log', 'product', ({ summary }) => Math.log1p(summary?.popularity ?? 0)),
  feature('rating', 'product', ({ summary }) => summary?.rating ?? 0),
  feature('review_count_log', 'product', ({ summary }) => Math.log1p(summary?.review_count ?? 0)),
  feature('age_days_log', 'product', ({ summary, now }) => {
    const created = summary?.created_at ? Date.parse(summary.created_at) : Number.NaN;
    return Number.isNaN(created) ? Math.log1p(365) : Math.log1p(Math.max(0, (now - created) / DAY_MS));
  }),
  feature('in_stock', 'product', ({ summary }) => (summary?.in_stock === false ? 0 : 1)),
  // engagement for this query (never a global per-product rate, which would carry the clicks
  // a product earned for one query to every query it appears in)
  feature('query_click_rate', 'engagement', (input) =>
    engagementRate(input.engagement?.clicks, input.priors.clicks, input),
  ),
  feature('query_conversion_rate', 'engagement', (input) =>
    engagementRate(
      input.engagement && input.engagement.carts + input.engagement.purchases,
      input.priors.conversions,
      input,
    ),
  ),
  feature('query_examinations_log', 'engagement', ({ engagement }) =>
    Math.log1p(engagement?.examinations ?? 0),
  ),
  // shopper-product signals: the shopper's share at the product's own category and at its
  // first two levels (tastes live at any level of the tree: all of Garden, or just Lawn Mowers)
  feature('user_has_history', 'shopper', ({ shopper }) => (shopper.hasHistory ? 1 : 0)),
  feature('category_affinity', 'shopper', (input) =>
    categoryAffinity(input, input.text.categoryPrefixes.at(-1)),
  ),
  feature('category_affinity_l1', 'shopper', (input) =>
    categoryAffinity(input, input.text.categoryPrefixes[0]),
  ),
  feature('category_affinity_l2', 'shopper', (input) =>
    categoryAffinity(input, input.text.categoryPrefixes[1]),
  ),
  feature('brand_affinity', 'shopper', ({ shopper, summary }) =>
    shopper.profile ? affinityShare(shopper.profile.brands, summary?.brand) : 0,
  ),
  feature('price_band_affinity', 'shopper', ({ shopper, summary }) =>
    shopper.profile && summary?.price !== undefined
      ? affinityShare(shopper.profile.priceBands, priceBand(summary.price))
      : 0,
  ),
  feature('price_distance', 'shopper', ({ shopper: { priceTaste }, summary }) =>
    priceTaste && summary?.price !== undefined && summary.price > 0
      ? Math.abs(Math.log(summary.price) - priceTaste.mean) / (priceTaste.std + 0.5)
      : 0,
  ),
  feature('seen_before', 'shopper', ({ shopper, candidate }) => (shopper.recent.has(candidate.id) ? 1 : 0)),
  feature('bought_before', 'shopper', ({ shopper, candidate }) => (shopper.bought.has(candidate.id) ? 1 : 0)),
  // query signals
  feature('query_terms', 'query', ({ query }) => query.terms.size),
  feature('query_has_digits', 'query', ({ query }) => (query.hasDigits ? 1 : 0)),
] as const satisfies readonly Feature[];

export type FeatureName = (typeof FEATURES)[number]['name'];
export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((f) => f.name);
export const FEATURE_COUNT = FEATURES.length;

const HISTORY_FEATURE = FEATURE_NAMES.indexOf('user_has_history');

/** Whether the shopper behind a list of feature rows has history (it is the same on every row). */
export function shopperHasHistory(features: Float32Array): boolean {
  return features[HISTORY_FEATURE]! > 0;
}
