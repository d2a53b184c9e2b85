/**
 * What every recommendation list shares: the wire shapes (hits, explanations), the request,
 * the ports the lists read, and the small helpers that blend candidates.
 */
import { CATEGORY_SEPARATOR, type SearchFilters } from '../catalog/catalog-query.ts';
import type { Product } from '../catalog/product.ts';
import type { ProductSummary, SearchBackend } from '../catalog/search-backend.ts';
import type { EmbedderSlot } from '../embeddings/embedder.ts';
import type { HitRuleEffect } from '../merchandising/plan.ts';
import type { RuleBook } from '../merchandising/rule-book.ts';
import type { FeatureSource } from '../ranking/features/feature-source.ts';
import type { ListedItem } from '../users/engagement-lists.ts';
import type { EventStore } from '../users/event-store.ts';

export type RecommendationKind = 'similar' | 'bought_together' | 'feed' | 'trending';

/** Where a recommended product came from. */
export type RecommendationSource =
  | 'vector'
  | 'co_click'
  | 'co_purchase'
  | 'complementary_category'
  | 'related_category'
  | 'trending'
  | 'popular';

export interface RecommendationExplanation {
  sources: RecommendationSource[];
  /** Cosine similarity to the product (similar) or to the shopper's latest product (feed). */
  similarity?: number;
  co_click?: { weight: number; support: number };
  co_purchase?: { weight: number; support: number };
  trending?: { weight: number; support: number; category: string };
  /** Share of the shopper's affinity the product's category and brand hold. */
  affinity?: { category: number; brand: number };
  same_brand?: boolean;
  same_category?: boolean;
  same_price_band?: boolean;
  /** How alike it is to a product ranked above it (what diversity charged). */
  redundancy?: number;
  /** The merchandising rules that moved or placed it. */
  rules?: HitRuleEffect[];
  reason: string;
}

export interface RecommendationHit {
  id: string;
  score: number;
  product: Product;
  explain?: RecommendationExplanation;
}

export interface RecommendationResponse {
  kind: RecommendationKind;
  product_id?: string;
  category?: string;
  /** What answered: `personal`, `trending` (cold start), `co_purchase`, `fallback`, ... */
  strategy: string;
  hits: RecommendationHit[];
  took: { total_ms: number };
}

export interface RecommendationRequest {
  size: number;
  filters: SearchFilters;
  explain: boolean;
}

export interface RecommendationDeps {
  backend: SearchBackend;
  embedder: EmbedderSlot;
  events: EventStore;
  features: Pick<FeatureSource, 'hashUser' | 'hashSession' | 'resolveProfile'>;
  /** The merchandising rules in force (rules.yaml); none when not given. */
  rules?: () => RuleBook;
}

export interface Candidate {
  id: string;
  score: number;
  explain: RecommendationExplanation;
}

/** A list's picks before the products are fetched, with what the response says about them. */
export interface Picked {
  candidates: Candidate[];
  strategy: string;
}

/** Candidates each source contributes before blending and diversity. */
export const POOL = 60;

export function addSource(explain: RecommendationExplanation, source: RecommendationSource): void {
  if (!explain.sources.includes(source)) explain.sources.push(source);
}

/** The candidate for an id, made empty on first use: sources add to its score. */
export function candidateTable(): { candidates: Map<string, Candidate>; at: (id: string) => Candidate } {
  const candidates = new Map<string, Candidate>();
  const at = (id: string) => {
    let c = candidates.get(id);
    if (!c) {
      c = { id, score: 0, explain: { sources: [], reason: '' } };
      candidates.set(id, c);
    }
    return c;
  };
  return { candidates, at };
}

export function leafPath(summary: ProductSummary | undefined): string {
  return summary?.category?.join(CATEGORY_SEPARATOR) ?? '';
}

export function parentPath(path: string): string | undefined {
  const at = path.lastIndexOf(CATEGORY_SEPARATOR);
  return at > 0 ? path.slice(0, at) : undefined;
}

export function maxWeight(items: readonly ListedItem[]): number {
  return items.reduce((max, item) => Math.max(max, item.weight), 0) || 1;
}

export function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
