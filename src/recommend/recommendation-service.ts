/**
 * Recommendations from the same vectors and events search uses, one module per list:
 * similar items (similar-items.ts), bought together (bought-together.ts), the home feed
 * (home-feed.ts; cold start is trending) and trending (category-lists.ts: time-decayed
 * engagement, the catalog's popularity order filling in while there are too few events).
 * This facade validates the product, caches the product and trending lists for a while,
 * applies the merchandising rules (list-rules.ts) and turns picks into hits. Every list
 * applies the search filters; `explain` says where each product came from.
 */
import { LRUCache } from 'mnemonist';
import type { Product } from '../catalog/product.ts';
import { ServiceError } from '../main/errors.ts';
import { RuleBook } from '../merchandising/rule-book.ts';
import { ALL_CATEGORIES } from '../users/engagement-lists.ts';
import { hasHistory } from '../users/profiles.ts';
import { boughtTogetherItems } from './bought-together.ts';
import { fillFromCategory } from './category-lists.ts';
import { interleaveCategories } from './diversity.ts';
import { personalFeed } from './home-feed.ts';
import { applyListRules, type ListRules, movesProducts, pinnedIds, planListRules } from './list-rules.ts';
import type {
  Candidate,
  Picked,
  RecommendationDeps,
  RecommendationHit,
  RecommendationKind,
  RecommendationRequest,
  RecommendationResponse,
} from './recommendation-types.ts';
import { elapsed, round } from './recommendation-types.ts';
import { similarItems } from './similar-items.ts';

export type {
  RecommendationDeps,
  RecommendationExplanation,
  RecommendationHit,
  RecommendationKind,
  RecommendationRequest,
  RecommendationResponse,
  RecommendationSource,
} from './recommendation-types.ts';

const CACHE_SIZE = 5000;
const CACHE_TTL_MS = 30_000;

export class RecommendationService {
  private readonly cache = new LRUCache<string, { at: number; response: RecommendationResponse }>(CACHE_SIZE);
  /** The rule book the cached lists were ordered by: a reload of rules.yaml makes them stale. */
  private cachedRules: RuleBook | undefined;

  constructor(private readonly deps: RecommendationDeps) {}

  /** The engagement lists were rebuilt: cached lists are stale. */
  listsChanged(): void {
    this.cache.clear();
  }

  async similar(productId: string, request: RecommendationRequest): Promise<RecommendationResponse> {
    return this.cached(`similar:${productId}`, request, async () => {
      const product = await this.product(productId);
      const rules = this.rules(request, { category: product.category, pins: false });
      const picked = await similarItems(this.deps, product, { ...request, filters: rules.filters });
      return this.respond('similar', picked, request, rules, { product_id: productId });
    });
  }

  async boughtTogether(productId: string, request: RecommendationRequest): Promise<RecommendationResponse> {
    return this.cached(`bought:${productId}`, request, async () => {
      const self = (await this.deps.backend.getSummaries([productId])).get(productId);
      if (!self) throw new ServiceError('not_found', `no product with id "${productId}"`);
      const rules = this.rules(request, { category: self.category, pins: false });
      const picked = await boughtTogetherItems(this.deps, self, { ...request, filters: rules.filters });
      return this.respond('bought_together', picked, request, rules, { product_id: productId });
    });
  }

  async trending(
    category: string | undefined,
    request: RecommendationRequest,
  ): Promise<RecommendationResponse> {
    return this.cached(`trending:${category ?? ''}`, request, async () => {
      const rules = this.rules(request, { ...(category && { category }), pins: true });
      const filtered = { ...request, filters: rules.filters };
      const picked: Candidate[] = [];
      const key = category ?? ALL_CATEGORIES;
      await fillFromCategory(
        this.deps,
        picked,
        new Set(),
        key,
        'trending',
        filtered,
        () => true,
        request.size * 3,
      );
      const diverse = interleaveCategories(picked, request.size, (c) => c.explain.trending?.category ?? '');
      return this.respond(
        'trending',
        {
          candidates: diverse,
          strategy: picked.some((p) => p.explain.sources.includes('trending')) ? 'trending' : 'popular',
        },
        request,
        rules,
        { ...(category && { category }) },
      );
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
    const rules = this.rules(request, { pins: true });
    const picked = await personalFeed(this.deps, profile!, { ...request, filters: rules.filters });
    const response = await this.respond('feed', picked, request, rules, {});
    return { ...response, took: { total_ms: elapsed(started) } };
  }

  private async product(productId: string): Promise<Product> {
    const product = (await this.deps.backend.getProducts([productId])).get(productId);
    if (!product) throw new ServiceError('not_found', `no product with id "${productId}"`);
    return product;
  }

  private rules(
    request: RecommendationRequest,
    context: { category?: readonly string[] | string; pins: boolean },
  ): ListRules {
    return planListRules(this.deps.rules?.() ?? RuleBook.EMPTY, request.filters, {
      ...context,
      now: Date.now(),
    });
  }

  private async respond(
    kind: RecommendationKind,
    picked: Picked,
    request: RecommendationRequest,
    rules: ListRules,
    extra: Pick<RecommendationResponse, 'product_id' | 'category'>,
  ): Promise<RecommendationResponse> {
    let candidates = picked.candidates;
    if (movesProducts(rules)) {
      const ids = [...new Set([...candidates.map((c) => c.id), ...pinnedIds(rules)])];
      const summaries = await this.deps.backend.getSummaries(ids);
      const placed = applyListRules(rules, candidates, summaries, request.size);
      candidates = placed.candidates;
      for (const c of candidates) {
        const effects = placed.effects.get(c.id);
        if (effects) c.explain.rules = effects;
      }
    }
    const products = await this.deps.backend.getProducts(candidates.map((p) => p.id));
    const hits: RecommendationHit[] = [];
    for (const p of candidates) {
      const product = products.get(p.id);
      if (!product) continue; // deleted since the lists were built
      hits.push({ id: p.id, score: round(p.score), product, ...(request.explain && { explain: p.explain }) });
    }
    return { kind, ...extra, strategy: picked.strategy, hits, took: { total_ms: 0 } };
  }

  /** Product and trending lists change slowly: the same request is answered from memory for a while. */
  private async cached(
    key: string,
    request: RecommendationRequest,
    compute: () => Promise<RecommendationResponse>,
  ): Promise<RecommendationResponse> {
    const started = performance.now();
    const rules = this.deps.rules?.();
    if (rules !== this.cachedRules) {
      this.cache.clear();
      this.cachedRules = rules;
    }
    const fullKey = `${key}|${request.size}|${request.explain}|${JSON.stringify(request.filters)}`;
    const hit = this.cache.get(fullKey);
    const now = Date.now();
    if (hit && now - hit.at < CACHE_TTL_MS) return { ...hit.response, took: { total_ms: elapsed(started) } };
    const response = await compute();
    this.cache.set(fullKey, { at: now, response });
    return { ...response, took: { total_ms: elapsed(started) } };
  }
}
