/**
 * Recommendations from the same vectors and events search uses:
 * - similar: the product's vector neighbours (the engine's kNN, filters applied inside)
 *   blended with co-engagement (shoppers who clicked this also clicked) and content cues
 *   (brand, category, price band), then diversified (MMR on title overlap);
 * - bought together: carts and purchases by the same shoppers (minimum support, time
 *   decay: the recommendation job), falling back to what sells in the categories bought
 *   beside this one, then in its sibling categories, when the data is thin;
 * - feed: the shopper's profile (user, session, or both merged) as co-engagement of what
 *   they engaged with, vector neighbours of the latest, and trending products of their
 *   favourite categories, with category diversity; cold start is trending;
 * - trending: time-decayed engagement, for the catalog or a category; the catalog's own
 *   popularity order fills in while there are too few events.
 * Every list applies the search filters; `explain` says where each product came from.
 */
import { LRUCache } from 'mnemonist';
import {
  CATEGORY_SEPARATOR,
  hasFilters,
  matchesFilters,
  type SearchFilters,
} from '../catalog/catalog-query.ts';
import { type Product, productEmbeddingText } from '../catalog/product.ts';
import type { ProductSummary, SearchBackend } from '../catalog/search-backend.ts';
import type { EmbedderSlot } from '../embeddings/embedder.ts';
import { ServiceError } from '../main/errors.ts';
import type { FeatureSource } from '../ranking/features/feature-source.ts';
import { ALL_CATEGORIES, type ListedItem } from '../users/engagement-lists.ts';
import type { EventStore } from '../users/event-store.ts';
import { affinityShare, hasHistory, priceBand, type UserProfile } from '../users/profiles.ts';
import { interleaveCategories, maximalMarginalRelevance, productRedundancy } from './diversity.ts';

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
}

interface Candidate {
  id: string;
  score: number;
  explain: RecommendationExplanation;
}

/** Candidates each source contributes before blending and diversity. */
const POOL = 60;
/** How much the score counts against redundancy in MMR (1: no diversity). */
const MMR_LAMBDA = 0.7;
const BLEND = { vector: 0.55, coClick: 0.35, content: 0.1 } as const;
const CACHE_SIZE = 5000;
const CACHE_TTL_MS = 30_000;

function addSource(explain: RecommendationExplanation, source: RecommendationSource): void {
  if (!explain.sources.includes(source)) explain.sources.push(source);
}

function leafPath(summary: ProductSummary | undefined): string {
  return summary?.category?.join(CATEGORY_SEPARATOR) ?? '';
}

function parentPath(path: string): string | undefined {
  const at = path.lastIndexOf(CATEGORY_SEPARATOR);
  return at > 0 ? path.slice(0, at) : undefined;
}

function maxWeight(items: readonly ListedItem[]): number {
  return items.reduce((max, item) => Math.max(max, item.weight), 0) || 1;
}

export class RecommendationService {
  private readonly cache = new LRUCache<string, { at: number; response: RecommendationResponse }>(CACHE_SIZE);

  constructor(private readonly deps: RecommendationDeps) {}

  /** The engagement lists were rebuilt: cached lists are stale. */
  listsChanged(): void {
    this.cache.clear();
  }

  async similar(productId: string, request: RecommendationRequest): Promise<RecommendationResponse> {
    return this.cached(`similar:${productId}`, request, async () => {
      const product = await this.product(productId);
      const { backend, events } = this.deps;
      const [vector] = await this.deps.embedder.current.embed([productEmbeddingText(product)], 'passage');
      const [neighbours, coClick] = await Promise.all([
        backend.vectorSearch({ vector: vector!, filters: request.filters, limit: POOL + 1 }),
        events.engagementLists('co_click', [productId]),
      ]);
      const engaged = (coClick.get(productId) ?? []).slice(0, POOL);
      const ids = [...new Set([...neighbours.map((n) => n.id), ...engaged.map((e) => e.id)])].filter(
        (id) => id !== productId,
      );
      const summaries = await backend.getSummaries([productId, ...ids]);
      const self = summaries.get(productId);
      const candidates = new Map<string, Candidate>();
      const at = (id: string) => {
        let c = candidates.get(id);
        if (!c) {
          c = { id, score: 0, explain: { sources: [], reason: '' } };
          candidates.set(id, c);
        }
        return c;
      };
      for (const n of neighbours) {
        if (n.id === productId) continue;
        const c = at(n.id);
        c.score += BLEND.vector * Math.max(0, n.score);
        c.explain.similarity = round(n.score);
        addSource(c.explain, 'vector');
      }
      const top = maxWeight(engaged);
      for (const e of engaged) {
        const summary = summaries.get(e.id);
        if (e.id === productId || !summary || !matchesFilters(summary, request.filters)) continue;
        const c = at(e.id);
        c.score += BLEND.coClick * (e.weight / top);
        c.explain.co_click = { weight: e.weight, support: e.support };
        addSource(c.explain, 'co_click');
      }
      for (const c of candidates.values()) {
        const other = summaries.get(c.id);
        const sameBrand = self?.brand !== undefined && self.brand === other?.brand;
        const sameCategory = leafPath(self) !== '' && leafPath(self) === leafPath(other);
        const samePriceBand =
          self?.price !== undefined &&
          other?.price !== undefined &&
          priceBand(self.price) === priceBand(other.price);
        c.score += (BLEND.content / 3) * (Number(sameBrand) + Number(sameCategory) + Number(samePriceBand));
        Object.assign(c.explain, {
          same_brand: sameBrand,
          same_category: sameCategory,
          same_price_band: samePriceBand,
        });
        c.explain.reason = reasonFor(c.explain, self?.title ?? productId);
      }
      const picked = maximalMarginalRelevance([...candidates.values()], request.size, MMR_LAMBDA, (a, b) =>
        productRedundancy(summaries.get(a.id), summaries.get(b.id)),
      );
      for (const p of picked) p.item.explain.redundancy = round(p.redundancy);
      return this.respond(
        'similar',
        picked.map((p) => p.item),
        request,
        { product_id: productId, strategy: engaged.length > 0 ? 'vector+co_click' : 'vector' },
      );
    });
  }

  async boughtTogether(productId: string, request: RecommendationRequest): Promise<RecommendationResponse> {
    return this.cached(`bought:${productId}`, request, async () => {
      const { backend, events } = this.deps;
      const self = (await backend.getSummaries([productId])).get(productId);
      if (!self) throw new ServiceError('not_found', `no product with id "${productId}"`);
      const leaf = leafPath(self);
      const [together, categories] = await Promise.all([
        events.engagementLists('bought_together', [productId]),
        leaf
          ? events.engagementLists('category_bought_together', [leaf])
          : Promise.resolve(new Map<string, ListedItem[]>()),
      ]);
      const items = together.get(productId) ?? [];
      const summaries = await backend.getSummaries(items.map((i) => i.id));
      const top = maxWeight(items);
      const picked: Candidate[] = [];
      const taken = new Set([productId]);
      for (const item of items) {
        const summary = summaries.get(item.id);
        if (!summary || taken.has(item.id) || !matchesFilters(summary, request.filters)) continue;
        taken.add(item.id);
        picked.push({
          id: item.id,
          score: 1 + item.weight / top,
          explain: {
            sources: ['co_purchase'],
            co_purchase: { weight: item.weight, support: item.support },
            reason: `bought with "${self.title}" by ${item.support} shopper${item.support === 1 ? '' : 's'}`,
          },
        });
      }
      let strategy = 'co_purchase';
      if (picked.length < request.size) {
        strategy = picked.length > 0 ? 'co_purchase+fallback' : 'fallback';
        // Thin data: what sells in the categories bought beside this one, then in its sibling categories.
        const complementary = (categories.get(leaf) ?? []).map((c) => c.id).slice(0, 5);
        for (const category of complementary) {
          if (picked.length >= request.size) break;
          await this.fillFromCategory(
            picked,
            taken,
            category,
            'complementary_category',
            request,
            (c) => c !== leaf,
          );
        }
        const parent = parentPath(leaf);
        if (parent && picked.length < request.size)
          await this.fillFromCategory(picked, taken, parent, 'related_category', request, (c) => c !== leaf);
      }
      return this.respond('bought_together', picked.slice(0, request.size), request, {
        product_id: productId,
        strategy,
      });
    });
  }

  async trending(
    category: string | undefined,
    request: RecommendationRequest,
  ): Promise<RecommendationResponse> {
    return this.cached(`trending:${category ?? ''}`, request, async () => {
      const picked: Candidate[] = [];
      const key = category ?? ALL_CATEGORIES;
      await this.fillFromCategory(picked, new Set(), key, 'trending', request, () => true, request.size * 3);
      const diverse = interleaveCategories(picked, request.size, (c) => c.explain.trending?.category ?? '');
      return this.respond('trending', diverse, request, {
        ...(category && { category }),
        strategy: picked.some((p) => p.explain.sources.includes('trending')) ? 'trending' : 'popular',
      });
    });
  }

  async feed(
    shopper: { userId?: string; sessionId?: string },
    request: RecommendationRequest,
  ): Promise<RecommendationResponse> {
    const started = performance.now();
    const userHash = shopper.userId !== undefined ? this.deps.features.hashUser(shopper.userId) : undefined;
    const sessionHash =
      shopper.sessionId !== undefined ? this.deps.features.hashSession(shopper.sessionId) : undefined;
    const profile = await this.deps.features.resolveProfile(userHash, sessionHash);
    if (!hasHistory(profile)) {
      const cold = await this.trending(undefined, request);
      return { ...cold, kind: 'feed', strategy: 'trending', took: { total_ms: elapsed(started) } };
    }
    const response = await this.personalFeed(profile!, request);
    return { ...response, took: { total_ms: elapsed(started) } };
  }

  private async personalFeed(
    profile: UserProfile,
    request: RecommendationRequest,
  ): Promise<RecommendationResponse> {
    const { backend, events } = this.deps;
    const recent = profile.recent.slice(0, 10);
    const purchased = profile.purchased.slice(0, 5);
    const favourite = topCategories(profile, 3);
    const latest = recent[0] ?? purchased[0];
    const [coClick, bought, trending, latestProduct] = await Promise.all([
      events.engagementLists('co_click', recent),
      events.engagementLists('bought_together', purchased),
      events.engagementLists(
        'trending',
        favourite.map((f) => f.category),
      ),
      latest ? backend.getProducts([latest]) : Promise.resolve(new Map<string, Product>()),
    ]);
    const seed = latest ? latestProduct.get(latest) : undefined;
    const neighbours = seed
      ? await backend.vectorSearch({
          vector: (await this.deps.embedder.current.embed([productEmbeddingText(seed)], 'passage'))[0]!,
          filters: request.filters,
          limit: POOL,
        })
      : [];
    const exclude = new Set([...profile.purchased, ...recent]);
    const candidates = new Map<string, Candidate>();
    const at = (id: string) => {
      let c = candidates.get(id);
      if (!c) {
        c = { id, score: 0, explain: { sources: [], reason: '' } };
        candidates.set(id, c);
      }
      return c;
    };
    recent.forEach((id, i) => {
      const items = coClick.get(id) ?? [];
      const top = maxWeight(items);
      for (const item of items.slice(0, POOL)) {
        if (exclude.has(item.id)) continue;
        const c = at(item.id);
        c.score += (0.5 * (item.weight / top)) / (1 + i);
        c.explain.co_click = { weight: item.weight, support: item.support };
        addSource(c.explain, 'co_click');
      }
    });
    for (const [, items] of bought) {
      const top = maxWeight(items);
      for (const item of items.slice(0, POOL)) {
        if (exclude.has(item.id)) continue;
        const c = at(item.id);
        c.score += 0.4 * (item.weight / top);
        c.explain.co_purchase = { weight: item.weight, support: item.support };
        addSource(c.explain, 'co_purchase');
      }
    }
    for (const n of neighbours) {
      if (exclude.has(n.id)) continue;
      const c = at(n.id);
      c.score += 0.4 * Math.max(0, n.score);
      c.explain.similarity = round(n.score);
      addSource(c.explain, 'vector');
    }
    for (const { category, share } of favourite) {
      const items = trending.get(category) ?? [];
      const top = maxWeight(items);
      for (const item of items.slice(0, POOL)) {
        if (exclude.has(item.id)) continue;
        const c = at(item.id);
        c.score += 0.3 * share * (item.weight / top);
        c.explain.trending ??= { weight: item.weight, support: item.support, category };
        addSource(c.explain, 'trending');
      }
    }
    // Favourite categories with too few events to trend: the catalog's popular products there.
    if (candidates.size < request.size * 2) {
      for (const { category, share } of favourite) {
        const popular = await this.popularIn(category, request.filters, request.size);
        popular.forEach((id, i) => {
          if (exclude.has(id)) return;
          const c = at(id);
          c.score += (0.2 * share) / (1 + i / request.size);
          addSource(c.explain, 'popular');
        });
      }
    }
    const summaries = await backend.getSummaries([...candidates.keys()]);
    const scored: Candidate[] = [];
    for (const c of candidates.values()) {
      const summary = summaries.get(c.id);
      if (!summary || !matchesFilters(summary, request.filters)) continue;
      const category = Math.max(0, ...categoryShares(profile, summary));
      const brand = affinityShare(profile.brands, summary.brand);
      c.score += 0.5 * category + 0.3 * brand;
      c.explain.affinity = { category: round(category), brand: round(brand) };
      c.explain.reason = feedReason(c.explain, summary);
      scored.push(c);
    }
    const diverse = interleaveCategories(scored, request.size, (c) => leafPath(summaries.get(c.id)));
    return this.respond('feed', diverse, request, { strategy: 'personal' });
  }

  /** Adds the category's trending products, then its popular ones, until the list is full. */
  private async fillFromCategory(
    picked: Candidate[],
    taken: Set<string>,
    category: string,
    source: RecommendationSource,
    request: RecommendationRequest,
    allowLeaf: (leaf: string) => boolean,
    want = request.size,
  ): Promise<void> {
    const { backend, events } = this.deps;
    const trending = (await events.engagementLists('trending', [category])).get(category) ?? [];
    const summaries = await backend.getSummaries(trending.map((t) => t.id));
    const top = maxWeight(trending);
    const label = category || 'the catalog';
    for (const item of trending) {
      if (picked.length >= want) return;
      const summary = summaries.get(item.id);
      if (!summary || taken.has(item.id) || !allowLeaf(leafPath(summary))) continue;
      if (!matchesFilters(summary, request.filters)) continue;
      taken.add(item.id);
      picked.push({
        id: item.id,
        score: 0.5 + 0.5 * (item.weight / top),
        explain: {
          sources: source === 'trending' ? ['trending'] : [source, 'trending'],
          trending: { weight: item.weight, support: item.support, category: leafPath(summary) },
          reason: sourceReason(source, label),
        },
      });
    }
    if (picked.length >= want) return;
    // Too few events: the catalog's popularity order, listed by the job, else the engine's browse.
    const popular = await this.popularIn(category, request.filters, want * 2);
    const popularSummaries = await backend.getSummaries(popular);
    popular.forEach((id, i) => {
      const summary = popularSummaries.get(id);
      if (picked.length >= want || !summary || taken.has(id) || !allowLeaf(leafPath(summary))) return;
      if (!matchesFilters(summary, request.filters)) return;
      taken.add(id);
      picked.push({
        id,
        score: 0.5 * (1 - i / (popular.length + 1)),
        explain: {
          sources: source === 'trending' ? ['popular'] : [source, 'popular'],
          trending: { weight: 0, support: 0, category: leafPath(summary) },
          reason: source === 'trending' ? `popular in ${label}` : sourceReason(source, label),
        },
      });
    });
  }

  /**
   * The category's most popular products: the job's list (without filters), else the
   * engine's browse by relevance (popularity), which sorts the category's products.
   */
  private async popularIn(category: string, filters: SearchFilters, want: number): Promise<string[]> {
    const { backend, events } = this.deps;
    const listed = (await events.engagementLists('popular', [category])).get(category);
    if (listed && !hasFilters(filters)) return listed.slice(0, want).map((i) => i.id);
    const browse = category ? { ...filters, category: [category] } : filters;
    const result = await backend.browse({
      filters: browse,
      sort: 'relevance',
      offset: 0,
      limit: want,
      priceEdges: [],
    });
    return result.ids;
  }

  private async product(productId: string): Promise<Product> {
    const product = (await this.deps.backend.getProducts([productId])).get(productId);
    if (!product) throw new ServiceError('not_found', `no product with id "${productId}"`);
    return product;
  }

  private async respond(
    kind: RecommendationKind,
    picked: readonly Candidate[],
    request: RecommendationRequest,
    extra: Pick<RecommendationResponse, 'strategy' | 'product_id' | 'category'>,
  ): Promise<RecommendationResponse> {
    const products = await this.deps.backend.getProducts(picked.map((p) => p.id));
    const hits: RecommendationHit[] = [];
    for (const p of picked) {
      const product = products.get(p.id);
      if (!product) continue; // deleted since the lists were built
      hits.push({ id: p.id, score: round(p.score), product, ...(request.explain && { explain: p.explain }) });
    }
    return { kind, ...extra, hits, took: { total_ms: 0 } };
  }

  /** Product and trending lists change slowly: the same request is answered from memory for a while. */
  private async cached(
    key: string,
    request: RecommendationRequest,
    compute: () => Promise<RecommendationResponse>,
  ): Promise<RecommendationResponse> {
    const started = performance.now();
    const fullKey = `${key}|${request.size}|${request.explain}|${JSON.stringify(request.filters)}`;
    const hit = this.cache.get(fullKey);
    const now = Date.now();
    if (hit && now - hit.at < CACHE_TTL_MS) return { ...hit.response, took: { total_ms: elapsed(started) } };
    const response = await compute();
    this.cache.set(fullKey, { at: now, response });
    return { ...response, took: { total_ms: elapsed(started) } };
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

/** The shopper's strongest categories, the deepest level that still holds a clear share. */
function topCategories(profile: UserProfile, count: number): { category: string; share: number }[] {
  const total = Object.values(profile.categories).reduce((a, b) => a + b, 0);
  if (total <= 0) return [];
  // Deeper paths are more specific; a path's weight includes its children's, so rank by weight x depth.
  return Object.entries(profile.categories)
    .map(([category, weight]) => ({
      category,
      share: weight / total,
      rank: (weight / total) * category.split(CATEGORY_SEPARATOR).length,
    }))
    .sort((a, b) => b.rank - a.rank)
    .slice(0, count)
    .map(({ category, share }) => ({ category, share }));
}

function categoryShares(profile: UserProfile, summary: ProductSummary): number[] {
  const path = summary.category ?? [];
  return path.map((_, i) => affinityShare(profile.categories, path.slice(0, i + 1).join(CATEGORY_SEPARATOR)));
}

function reasonFor(explain: RecommendationExplanation, title: string): string {
  const parts: string[] = [];
  if (explain.similarity !== undefined) parts.push(`similar to "${title}"`);
  if (explain.co_click)
    parts.push(
      `also clicked by ${explain.co_click.support} shopper${explain.co_click.support === 1 ? '' : 's'} who clicked it`,
    );
  if (parts.length === 0) parts.push(`related to "${title}"`);
  return parts.join('; ');
}

function sourceReason(source: RecommendationSource, category: string): string {
  if (source === 'complementary_category') return `popular in ${category}, which shoppers buy alongside`;
  if (source === 'related_category') return `popular in the related category ${category}`;
  return `trending in ${category}`;
}

function feedReason(explain: RecommendationExplanation, summary: ProductSummary): string {
  const parts: string[] = [];
  if (explain.co_click) parts.push('shoppers who clicked what you viewed clicked it');
  if (explain.co_purchase) parts.push('bought with what you bought');
  if (explain.similarity !== undefined) parts.push('similar to what you viewed last');
  if (explain.trending && explain.sources.includes('trending'))
    parts.push(`trending in ${explain.trending.category}`);
  if (explain.sources.includes('popular')) parts.push('popular in a category you like');
  if ((explain.affinity?.brand ?? 0) > 0 && summary.brand) parts.push(`a brand you like (${summary.brand})`);
  return parts.join('; ') || 'matches your interests';
}
