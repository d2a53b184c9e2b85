/**
 * The ranking features, declared once, in the order of the ranker's input (and of the
 * feature vectors logged with each impression: a new feature goes at the end, and a saved
 * model trained on another list is refused). Each feature is one definition (Metarank's
 * style): its name, the scope its value depends on, and how it is extracted. Training,
 * serving, feature logging and explain all read this list.
 */
import { affinityShare, priceBand } from '../../users/profiles.ts';
import type { Feature, FeatureInput } from './feature.ts';

/** Prior strength of the click-through smoothing, in impressions. */
const CTR_PRIOR_WEIGHT = 20;
/** Rank used for a product a leg did not return. */
const ABSENT_RANK = 1000;
const DAY_MS = 86_400_000;

function allIn(wanted: readonly string[], terms: ReadonlySet<string>): number {
  return wanted.length > 0 && wanted.every((t) => terms.has(t)) ? 1 : 0;
}

function smoothedRate(count: number | undefined, prior: number, input: FeatureInput): number {
  return ((count ?? 0) + CTR_PRIOR_WEIGHT * prior) / ((input.stats?.impressions ?? 0) + CTR_PRIOR_WEIGHT);
}

function categoryAffinity({ shopper }: FeatureInput, prefix: string | undefined): number {
  return shopper.profile ? affinityShare(shopper.profile.categories, prefix) : 0;
}

export const FEATURES = [
  // retrieval signals
  { name: 'bm25_score', scope: 'retrieval', extract: ({ candidate }) => candidate.bm25?.score ?? 0 },
  {
    name: 'bm25_rank_log',
    scope: 'retrieval',
    extract: ({ candidate }) => Math.log1p(candidate.bm25?.rank ?? ABSENT_RANK),
  },
  { name: 'bm25_present', scope: 'retrieval', extract: ({ candidate }) => (candidate.bm25 ? 1 : 0) },
  { name: 'knn_similarity', scope: 'retrieval', extract: ({ candidate }) => candidate.knn?.score ?? 0 },
  {
    name: 'knn_rank_log',
    scope: 'retrieval',
    extract: ({ candidate }) => Math.log1p(candidate.knn?.rank ?? ABSENT_RANK),
  },
  { name: 'knn_present', scope: 'retrieval', extract: ({ candidate }) => (candidate.knn ? 1 : 0) },
  { name: 'fused_score', scope: 'retrieval', extract: ({ candidate }) => candidate.score },
  { name: 'fused_rank_log', scope: 'retrieval', extract: ({ fusedRank }) => Math.log1p(fusedRank) },
  // text match
  {
    name: 'query_coverage',
    scope: 'text_match',
    extract: ({ query, text }) => {
      if (query.terms.size === 0) return 0;
      let covered = 0;
      for (const term of query.terms) if (text.titleTerms.has(term)) covered++;
      return covered / query.terms.size;
    },
  },
  {
    name: 'exact_phrase',
    scope: 'text_match',
    extract: ({ query, text }) =>
      query.phrase.length > 0 && text.normalizedTitle.includes(query.phrase) ? 1 : 0,
  },
  {
    name: 'brand_in_query',
    scope: 'text_match',
    extract: ({ query, text }) => allIn(text.brandTerms, query.terms),
  },
  {
    name: 'category_in_query',
    scope: 'text_match',
    extract: ({ query, text }) =>
      text.categoryTerms.some((terms) => allIn(terms, query.terms) === 1) ? 1 : 0,
  },
  { name: 'title_length_log', scope: 'text_match', extract: ({ text }) => Math.log1p(text.titleTerms.size) },
  // product signals
  {
    name: 'price_log',
    scope: 'product',
    extract: ({ summary }) => (summary?.price !== undefined ? Math.log1p(summary.price) : 0),
  },
  {
    name: 'price_missing',
    scope: 'product',
    extract: ({ summary }) => (summary?.price === undefined ? 1 : 0),
  },
  {
    name: 'popularity_log',
    scope: 'product',
    extract: ({ summary }) => Math.log1p(summary?.popularity ?? 0),
  },
  {
    name: 'ctr_smoothed',
    scope: 'product',
    extract: (input) => smoothedRate(input.stats?.clicks, input.priors.ctr, input),
  },
  {
    name: 'purchase_rate_smoothed',
    scope: 'product',
    extract: (input) => smoothedRate(input.stats?.purchases, input.priors.purchase, input),
  },
  { name: 'rating', scope: 'product', extract: ({ summary }) => summary?.rating ?? 0 },
  {
    name: 'review_count_log',
    scope: 'product',
    extract: ({ summary }) => Math.log1p(summary?.review_count ?? 0),
  },
  {
    name: 'age_days_log',
    scope: 'product',
    extract: ({ summary, now }) => {
      const created = summary?.created_at ? Date.parse(summary.created_at) : Number.NaN;
      return Number.isNaN(created) ? Math.log1p(365) : Math.log1p(Math.max(0, (now - created) / DAY_MS));
    },
  },
  { name: 'in_stock', scope: 'product', extract: ({ summary }) => (summary?.in_stock === false ? 0 : 1) },
  // shopper-product signals: the shopper's share at the product's own category and at its
  // first two levels (tastes live at any level of the tree: all of Garden, or just Lawn Mowers)
  { name: 'user_has_history', scope: 'shopper', extract: ({ shopper }) => (shopper.hasHistory ? 1 : 0) },
  {
    name: 'category_affinity',
    scope: 'shopper',
    extract: (input) => categoryAffinity(input, input.text.categoryPrefixes.at(-1)),
  },
  {
    name: 'category_affinity_l1',
    scope: 'shopper',
    extract: (input) => categoryAffinity(input, input.text.categoryPrefixes[0]),
  },
  {
    name: 'category_affinity_l2',
    scope: 'shopper',
    extract: (input) => categoryAffinity(input, input.text.categoryPrefixes[1]),
  },
  {
    name: 'brand_affinity',
    scope: 'shopper',
    extract: ({ shopper, summary }) =>
      shopper.profile ? affinityShare(shopper.profile.brands, summary?.brand) : 0,
  },
  {
    name: 'price_band_affinity',
    scope: 'shopper',
    extract: ({ shopper, summary }) =>
      shopper.profile && summary?.price !== undefined
        ? affinityShare(shopper.profile.priceBands, priceBand(summary.price))
        : 0,
  },
  {
    name: 'price_distance',
    scope: 'shopper',
    extract: ({ shopper: { priceTaste }, summary }) =>
      priceTaste && summary?.price !== undefined && summary.price > 0
        ? Math.abs(Math.log(summary.price) - priceTaste.mean) / (priceTaste.std + 0.5)
        : 0,
  },
  {
    name: 'seen_before',
    scope: 'shopper',
    extract: ({ shopper, candidate }) => (shopper.recent.has(candidate.id) ? 1 : 0),
  },
  {
    name: 'bought_before',
    scope: 'shopper',
    extract: ({ shopper, candidate }) => (shopper.bought.has(candidate.id) ? 1 : 0),
  },
  // query signals
  { name: 'query_terms', scope: 'query', extract: ({ query }) => query.terms.size },
  { name: 'query_has_digits', scope: 'query', extract: ({ query }) => (query.hasDigits ? 1 : 0) },
] as const satisfies readonly Feature[];

export type FeatureName = (typeof FEATURES)[number]['name'];
export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((f) => f.name);
export const FEATURE_COUNT = FEATURES.length;

const HISTORY_FEATURE = FEATURE_NAMES.indexOf('user_has_history');

/** Whether the shopper behind a list of feature rows has history (it is the same on every row). */
export function shopperHasHistory(features: Float32Array): boolean {
  return features[HISTORY_FEATURE]! > 0;
}
