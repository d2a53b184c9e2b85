/**
 * Bought together: carts and purchases by the same shoppers (minimum support, time decay:
 * the recommendation job), falling back to what sells in the categories bought beside this
 * one, then in its sibling categories, when the data is thin.
 */
import { matchesFilters } from '../catalog/filter-match.ts';
import type { ProductSummary } from '../catalog/search-backend.ts';
import type { ListedItem } from '../users/engagement-lists.ts';
import { fillFromCategory } from './category-lists.ts';
import {
  type Candidate,
  leafPath,
  maxWeight,
  type Picked,
  parentPath,
  type RecommendationDeps,
  type RecommendationRequest,
} from './recommendation-types.ts';

export async function boughtTogetherItems(
  deps: RecommendationDeps,
  self: ProductSummary,
  request: RecommendationRequest,
): Promise<Picked> {
  const { backend, events } = deps;
  const productId = self.id;
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
      await fillFromCategory(
        deps,
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
      await fillFromCategory(deps, picked, taken, parent, 'related_category', request, (c) => c !== leaf);
  }
  return { candidates: picked.slice(0, request.size), strategy };
}
