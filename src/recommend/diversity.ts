/**
 * Diversity for recommendation lists: a list of ten variants of one product (or ten
 * products of one category in a home feed) wastes the slots. Both re-rankers are greedy and
 * keep the best candidate first.
 */
import type { ProductSummary } from '../catalog/search-backend.ts';
import { productText } from '../ranking/features/product-text.ts';

export interface Scored {
  id: string;
  score: number;
}

/** How alike two products are (0..1): title term overlap (Jaccard), more when brand and category agree. */
export function productRedundancy(a: ProductSummary | undefined, b: ProductSummary | undefined): number {
  const ta = productText(a).titleTerms;
  const tb = productText(b).titleTerms;
  let shared = 0;
  for (const term of ta) if (tb.has(term)) shared++;
  const union = ta.size + tb.size - shared;
  const jaccard = union > 0 ? shared / union : 0;
  const sameBrand = a?.brand !== undefined && a.brand === b?.brand;
  const sameLeaf = a?.category !== undefined && a.category.join('>') === b?.category?.join('>');
  return Math.min(1, jaccard + (sameBrand && sameLeaf ? 0.2 : 0));
}

/**
 * Maximal marginal relevance: each next pick maximizes `lambda * score - (1 - lambda) *
 * (its redundancy with the closest pick so far)`. Scores should be on a 0..1 scale.
 * Returns the picks with the redundancy each was charged.
 */
export function maximalMarginalRelevance<T extends Scored>(
  candidates: readonly T[],
  size: number,
  lambda: number,
  redundancy: (a: T, b: T) => number,
): { item: T; redundancy: number }[] {
  const left = [...candidates].sort((a, b) => b.score - a.score);
  const picked: { item: T; redundancy: number }[] = [];
  const closest = new Array<number>(left.length).fill(0);
  while (picked.length < size && left.length > 0) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < left.length; i++) {
      const value = lambda * left[i]!.score - (1 - lambda) * closest[i]!;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    const [item] = left.splice(best, 1);
    const [charged] = closest.splice(best, 1);
    picked.push({ item: item!, redundancy: charged! });
    for (let i = 0; i < left.length; i++) closest[i] = Math.max(closest[i]!, redundancy(left[i]!, item!));
  }
  return picked;
}

/**
 * Category diversity for a feed: each product's score is discounted by `decay` for every
 * product of its category (`categoryOf`) already picked, so the top categories interleave
 * instead of filling the list one after the other.
 */
export function interleaveCategories<T extends Scored>(
  candidates: readonly T[],
  size: number,
  categoryOf: (item: T) => string,
  decay = 0.6,
): T[] {
  const left = [...candidates].sort((a, b) => b.score - a.score);
  const perCategory = new Map<string, number>();
  const picked: T[] = [];
  while (picked.length < size && left.length > 0) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < left.length; i++) {
      const value = left[i]!.score * decay ** (perCategory.get(categoryOf(left[i]!)) ?? 0);
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    const [item] = left.splice(best, 1);
    const category = categoryOf(item!);
    perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
    picked.push(item!);
  }
  return picked;
}
