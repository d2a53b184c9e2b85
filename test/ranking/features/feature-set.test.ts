import { describe, expect, it } from 'vitest';
import type { ProductSummary } from '../../../src/catalog/search-backend.ts';
import type { FusedCandidate } from '../../../src/ranking/candidate.ts';
import type { FeatureInput, ShopperView } from '../../../src/ranking/features/feature.ts';
import { FEATURE_NAMES, FEATURES, type FeatureName } from '../../../src/ranking/features/feature-set.ts';
import { productText } from '../../../src/ranking/features/product-text.ts';
import { analyzeQuery } from '../../../src/text/analyzer.ts';
import { emptyProfile, type UserProfile } from '../../../src/users/profiles.ts';

const NOW = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;

const drill: ProductSummary = {
  id: 'drill-1',
  title: 'DeWalt Cordless Drill',
  brand: 'DeWalt',
  category: ['Tools', 'Power Tools', 'Drills'],
  price: 99,
  in_stock: true,
  rating: 4.5,
  review_count: 120,
  popularity: 95,
  created_at: new Date(NOW - 10 * DAY).toISOString(),
};

const profile: UserProfile = {
  ...emptyProfile('u1'),
  categories: { Tools: 3, 'Tools > Power Tools': 2, 'Tools > Power Tools > Drills': 1, Garden: 4 },
  brands: { DeWalt: 1, Bosch: 3 },
  priceBands: { '4': 1, '0': 3 },
  recent: ['drill-1'],
  purchased: ['hose-1'],
  counts: { clicks: 1, carts: 0, purchases: 1 },
};

const withHistory: ShopperView = {
  profile,
  hasHistory: true,
  priceTaste: { mean: Math.log(50), std: 0.5 },
  recent: new Set(profile.recent),
  bought: new Set(profile.purchased),
};
const newShopper: ShopperView = { hasHistory: false, recent: new Set(), bought: new Set() };

interface Overrides {
  q?: string;
  candidate?: Partial<FusedCandidate>;
  summary?: ProductSummary | undefined;
  engagement?: FeatureInput['engagement'];
  shopper?: ShopperView;
  fusedRank?: number;
}

function input(overrides: Overrides = {}): FeatureInput {
  const query = analyzeQuery(overrides.q ?? 'cordless drill bits');
  const summary = 'summary' in overrides ? overrides.summary : drill;
  return {
    candidate: {
      id: 'drill-1',
      score: 1.25,
      bm25: { rank: 2, score: 7.5 },
      knn: { rank: 5, score: 0.8 },
      ...overrides.candidate,
    },
    fusedRank: overrides.fusedRank ?? 3,
    ...(summary && { summary }),
    text: productText(summary),
    ...(overrides.engagement && { engagement: overrides.engagement }),
    query: { terms: new Set(query.terms), phrase: query.phrase, hasDigits: query.hasDigits },
    shopper: overrides.shopper ?? withHistory,
    priors: { clicks: 0.1, conversions: 0.02 },
    now: NOW,
  };
}

/** Shown 10 times for the query, 3 expected examinations, 2 clicks, a cart and a purchase. */
const clicked = { impressions: 10, examinations: 3, clicks: 2, carts: 1, purchases: 1 };

const absentLegs = { bm25: undefined, knn: undefined } as unknown as Partial<FusedCandidate>;
const bare: ProductSummary = { id: 'drill-1', title: 'Drill' };

/** For each feature: inputs and the value it must extract from them. */
const CASES: Record<FeatureName, [Overrides, number][]> = {
  bm25_score: [
    [{}, 7.5],
    [{ candidate: absentLegs }, 0],
  ],
  bm25_rank_log: [
    [{}, Math.log1p(2)],
    [{ candidate: absentLegs }, Math.log1p(1000)],
  ],
  bm25_present: [
    [{}, 1],
    [{ candidate: absentLegs }, 0],
  ],
  knn_similarity: [
    [{}, 0.8],
    [{ candidate: absentLegs }, 0],
  ],
  knn_rank_log: [
    [{}, Math.log1p(5)],
    [{ candidate: absentLegs }, Math.log1p(1000)],
  ],
  knn_present: [
    [{}, 1],
    [{ candidate: absentLegs }, 0],
  ],
  fused_score: [[{}, 1.25]],
  fused_rank_log: [[{ fusedRank: 3 }, Math.log1p(3)]],
  query_coverage: [
    [{ q: 'cordless drill bits' }, 2 / 3],
    [{ q: 'saw' }, 0],
    [{ q: '' }, 0],
  ],
  exact_phrase: [
    [{ q: 'Cordless  DRILL' }, 1],
    [{ q: 'drill cordless' }, 0],
    [{ q: '' }, 0],
  ],
  brand_in_query: [
    [{ q: 'dewalt drill' }, 1],
    [{ q: 'drill' }, 0],
    [{ q: 'dewalt', summary: bare }, 0],
  ],
  category_in_query: [
    [{ q: 'drills' }, 1],
    [{ q: 'power' }, 0],
  ],
  title_length_log: [
    [{}, Math.log1p(3)],
    [{ summary: undefined }, 0],
  ],
  price_log: [
    [{}, Math.log1p(99)],
    [{ summary: bare }, 0],
  ],
  price_missing: [
    [{}, 0],
    [{ summary: bare }, 1],
  ],
  popularity_log: [
    [{}, Math.log1p(95)],
    [{ summary: bare }, 0],
  ],
  rating: [
    [{}, 4.5],
    [{ summary: bare }, 0],
  ],
  review_count_log: [
    [{}, Math.log1p(120)],
    [{ summary: bare }, 0],
  ],
  age_days_log: [
    [{}, Math.log1p(10)],
    [{ summary: { ...drill, created_at: new Date(NOW + DAY).toISOString() } }, 0],
    [{ summary: bare }, Math.log1p(365)],
  ],
  in_stock: [
    [{}, 1],
    [{ summary: { ...drill, in_stock: false } }, 0],
    [{ summary: bare }, 1],
  ],
  // Prior mean at fused rank 3: level / log2(1 + 3) = level / 2; prior weight 5 examinations.
  query_click_rate: [
    [{ engagement: clicked }, (2 + 5 * 0.05) / (3 + 5)],
    [{}, 0.05],
    [{ fusedRank: 1 }, 0.1],
    [{ engagement: { ...clicked, clicks: 0 } }, (5 * 0.05) / (3 + 5)],
  ],
  query_conversion_rate: [
    [{ engagement: clicked }, (2 + 5 * 0.01) / (3 + 5)],
    [{}, 0.01],
  ],
  query_examinations_log: [
    [{ engagement: clicked }, Math.log1p(3)],
    [{}, 0],
  ],
  user_has_history: [
    [{}, 1],
    [{ shopper: newShopper }, 0],
  ],
  category_affinity: [
    [{}, 0.1],
    [{ shopper: newShopper }, 0],
  ],
  category_affinity_l1: [
    [{}, 0.3],
    [{ shopper: newShopper }, 0],
  ],
  category_affinity_l2: [
    [{}, 0.2],
    [{ summary: { ...drill, category: ['Tools'] } }, 0],
  ],
  brand_affinity: [
    [{}, 0.25],
    [{ shopper: newShopper }, 0],
  ],
  price_band_affinity: [
    [{}, 0.25],
    [{ summary: bare }, 0],
  ],
  price_distance: [
    [{}, Math.log(99 / 50)],
    [{ shopper: newShopper }, 0],
  ],
  seen_before: [
    [{}, 1],
    [{ candidate: { id: 'other' } }, 0],
  ],
  bought_before: [
    [{}, 0],
    [{ candidate: { id: 'hose-1' } }, 1],
  ],
  query_terms: [
    [{ q: 'cordless drill drill bits' }, 3],
    [{ q: '' }, 0],
  ],
  query_has_digits: [
    [{ q: '20v drill' }, 1],
    [{ q: 'drill' }, 0],
  ],
};

describe('the declared feature set', () => {
  it('names every feature once, each with a scope, in the order of the logged feature vectors', () => {
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURES.length);
    expect(FEATURE_NAMES.slice(0, 3)).toEqual(['bm25_score', 'bm25_rank_log', 'bm25_present']);
    expect(FEATURE_NAMES.at(-1)).toBe('query_has_digits');
    expect(Object.keys(CASES).sort()).toEqual([...FEATURE_NAMES].sort());
  });

  for (const feature of FEATURES) {
    it(`${feature.name} (${feature.scope})`, () => {
      for (const [overrides, expected] of CASES[feature.name]) {
        expect(feature.extract(input(overrides)), JSON.stringify(overrides)).toBeCloseTo(expected, 9);
      }
    });
  }
});

describe('product text', () => {
  it('is analyzed once per product and again when its text changes', () => {
    const first = productText({ id: 'cache-1', title: 'Garden Hose' });
    expect(productText({ id: 'cache-1', title: 'Garden Hose' })).toBe(first);
    const renamed = productText({ id: 'cache-1', title: 'Garden Hose Reel' });
    expect(renamed).not.toBe(first);
    expect([...renamed.titleTerms]).toEqual(['garden', 'hose', 'reel']);
  });
});
