/**
 * The personal home feed: the shopper's profile (user, session, or both merged) as
 * co-engagement of what they engaged with, vector neighbours of the latest, and trending
 * products of their favourite categories, scored by affinity and interleaved by category.
 */
import { CATEGORY_SEPARATOR } from '../catalog/catalog-query.ts';
import { matchesFilters } from '../catalog/filter-match.ts';
import type { Product } from '../catalog/product.ts';
import type { ProductSummary } from '../catalog/search-backend.ts';
import { affinityShare, type UserProfile } from '../users/profiles.ts';
import { popularIn } from './category-lists.ts';
import { interleaveCategories } from './diversity.ts';
import { feedReason } from './explanations.ts';
import {
  addSource,
  type Candidate,
  candidateTable,
  leafPath,
  maxWeight,
  type Picked,
  POOL,
  type RecommendationDeps,
  type RecommendationRequest,
  round,
} from './recommendation-types.ts';
import { neighboursOf } from './similar-items.ts';

export async function personalFeed(
  deps: RecommendationDeps,
  profile: UserProfile,
  request: RecommendationRequest,
): Promise<Picked> {
  const { backend, events } = deps;
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
  const neighbours = seed ? await neighboursOf(deps, seed, request) : [];
  const exclude = new Set([...profile.purchased, ...recent]);
  const { candidates, at } = candidateTable();
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
      const popular = await popularIn(deps, category, request.filters, request.size);
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
  return { candidates: diverse, strategy: 'personal' };
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
