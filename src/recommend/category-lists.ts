/**
 * A category's products by engagement: its trending list (time-decayed engagement), then,
 * while there are too few events, the catalog's popularity order. Trending, the
 * bought-together fallbacks and the feed's favourite categories read it.
 */
import { hasFilters, type SearchFilters } from '../catalog/catalog-query.ts';
import { matchesFilters } from '../catalog/filter-match.ts';
import { sourceReason } from './explanations.ts';
import {
  type Candidate,
  leafPath,
  maxWeight,
  type RecommendationDeps,
  type RecommendationRequest,
  type RecommendationSource,
} from './recommendation-types.ts';

/** Adds the category's trending products, then its popular ones, until the list is full. */
export async function fillFromCategory(
  deps: RecommendationDeps,
  picked: Candidate[],
  taken: Set<string>,
  category: string,
  source: RecommendationSource,
  request: RecommendationRequest,
  allowLeaf: (leaf: string) => boolean,
  want = request.size,
): Promise<void> {
  const { backend, events } = deps;
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
  const popular = await popularIn(deps, category, request.filters, want * 2);
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
 * The category's most popular products: the job's list (filtered in memory), else, when
 * the filters leave too few of it, the engine's browse by relevance (popularity), which
 * sorts the category's products.
 */
export async function popularIn(
  deps: RecommendationDeps,
  category: string,
  filters: SearchFilters,
  want: number,
): Promise<string[]> {
  const { backend, events } = deps;
  const listed = (await events.engagementLists('popular', [category])).get(category);
  if (listed && !hasFilters(filters)) return listed.slice(0, want).map((i) => i.id);
  if (listed) {
    // Filtered (by the shopper or a rule): the listed order, filtered here, while it holds enough.
    const summaries = await backend.getSummaries(listed.map((i) => i.id));
    const passing = listed.filter((i) => {
      const summary = summaries.get(i.id);
      return summary !== undefined && matchesFilters(summary, filters);
    });
    if (passing.length >= want) return passing.slice(0, want).map((i) => i.id);
  }
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
