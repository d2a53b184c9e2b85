/**
 * What one ranking feature is: a name, the scope its value depends on, and how it is
 * extracted from a candidate in its search. Training, serving, feature logging and explain
 * all read the one declared list (feature-set.ts), so a name cannot drift from its value.
 */
import type { ProductSummary } from '../../catalog/search-backend.ts';
import type { UserProfile } from '../../users/profiles.ts';
import type { QueryProductStats } from '../../users/query-engagement.ts';
import type { FusedCandidate } from '../candidate.ts';
import type { ProductText } from './product-text.ts';

export type FeatureScope = 'retrieval' | 'text_match' | 'product' | 'engagement' | 'shopper' | 'query';

/** The query as features read it: analyzed once per search. */
export interface QueryView {
  terms: ReadonlySet<string>;
  /** Normalized, single-spaced: what an exact phrase match looks for. */
  phrase: string;
  hasDigits: boolean;
}

/** The shopper as features read it, derived once per search (absent profile: a new shopper). */
export interface ShopperView {
  profile?: UserProfile;
  hasHistory: boolean;
  /** Mean and spread of log(price) of what the shopper interacted with. */
  priceTaste?: { mean: number; std: number };
  recent: ReadonlySet<string>;
  bought: ReadonlySet<string>;
}

export interface FeatureInput {
  candidate: FusedCandidate;
  /** 1-based position in the fused list. */
  fusedRank: number;
  summary?: ProductSummary;
  text: ProductText;
  /** What shoppers did with this product when it was shown for this query (absent: never shown for it). */
  engagement?: QueryProductStats;
  query: QueryView;
  shopper: ShopperView;
  /**
   * Clicks and conversions (carts, purchases) per expected examination over every query and
   * product: the level of the prior that smooths a product's rates for this query.
   */
  priors: { clicks: number; conversions: number };
  now: number;
}

export interface Feature {
  readonly name: string;
  readonly scope: FeatureScope;
  extract(input: FeatureInput): number;
}
