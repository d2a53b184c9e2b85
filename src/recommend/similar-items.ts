/**
 * Similar items: the product's vector neighbours (the engine's kNN, filters applied inside)
 * blended with co-engagement (shoppers who clicked this also clicked) and content cues
 * (brand, category, price band), then diversified (MMR on title overlap).
 */
import { matchesFilters } from '../catalog/filter-match.ts';
import { type Product, productEmbeddingText } from '../catalog/product.ts';
import { priceBand } from '../users/profiles.ts';
import { maximalMarginalRelevance, productRedundancy } from './diversity.ts';
import { similarReason } from './explanations.ts';
import {
  addSource,
  candidateTable,
  leafPath,
  maxWeight,
  type Picked,
  POOL,
  type RecommendationDeps,
  type RecommendationRequest,
  round,
} from './recommendation-types.ts';

/** How much the score counts against redundancy in MMR (1: no diversity). */
const MMR_LAMBDA = 0.7;
const BLEND = { vector: 0.55, coClick: 0.35, content: 0.1 } as const;

export async function similarItems(
  deps: RecommendationDeps,
  product: Product,
  request: RecommendationRequest,
): Promise<Picked> {
  const productId = product.id;
  const { backend, events } = deps;
  const [listed, coClick] = await Promise.all([
    events.engagementLists('similar', [productId]),
    events.engagementLists('co_click', [productId]),
  ]);
  const engaged = (coClick.get(productId) ?? []).slice(0, POOL);
  const precomputed = (listed.get(productId) ?? []).slice(0, POOL);
  const ids = [...new Set([...precomputed.map((n) => n.id), ...engaged.map((e) => e.id)])].filter(
    (id) => id !== productId,
  );
  const summaries = new Map(await backend.getSummaries([productId, ...ids]));
  let neighbours: { id: string; score: number }[] = precomputed
    .filter((n) => {
      const summary = summaries.get(n.id);
      return summary !== undefined && matchesFilters(summary, request.filters);
    })
    .map((n) => ({ id: n.id, score: n.weight }));
  // No list (a product newer than the job's run), or the filters leave too few of it: the kNN, filters inside.
  if (neighbours.length < Math.min(request.size, precomputed.length) || precomputed.length === 0) {
    neighbours = await nearestNeighbours(deps, product, request);
    const missing = neighbours.map((n) => n.id).filter((id) => !summaries.has(id));
    for (const [id, summary] of await backend.getSummaries(missing)) summaries.set(id, summary);
  }
  const self = summaries.get(productId);
  const { candidates, at } = candidateTable();
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
    c.explain.reason = similarReason(c.explain, self?.title ?? productId);
  }
  const picked = maximalMarginalRelevance([...candidates.values()], request.size, MMR_LAMBDA, (a, b) =>
    productRedundancy(summaries.get(a.id), summaries.get(b.id)),
  );
  for (const p of picked) p.item.explain.redundancy = round(p.redundancy);
  return {
    candidates: picked.map((p) => p.item),
    strategy: engaged.length > 0 ? 'vector+co_click' : 'vector',
  };
}

/** The engine's kNN on the product's passage vector, the request's filters applied inside. */
export async function nearestNeighbours(
  deps: RecommendationDeps,
  product: Product,
  request: Pick<RecommendationRequest, 'filters'>,
  limit = POOL + 1,
): Promise<{ id: string; score: number }[]> {
  const [vector] = await deps.embedder.current.embed([productEmbeddingText(product)], 'passage');
  const hits = await deps.backend.vectorSearch({ vector: vector!, filters: request.filters, limit });
  return hits.filter((h) => h.id !== product.id);
}

/** The product's precomputed neighbours that pass the filters, else the engine's kNN. */
export async function neighboursOf(
  deps: RecommendationDeps,
  product: Product,
  request: RecommendationRequest,
): Promise<{ id: string; score: number }[]> {
  const listed = (await deps.events.engagementLists('similar', [product.id])).get(product.id) ?? [];
  if (listed.length > 0) {
    const summaries = await deps.backend.getSummaries(listed.map((n) => n.id));
    const passing = listed.filter((n) => {
      const summary = summaries.get(n.id);
      return summary !== undefined && matchesFilters(summary, request.filters);
    });
    if (passing.length >= Math.min(request.size, listed.length))
      return passing.map((n) => ({ id: n.id, score: n.weight }));
  }
  return nearestNeighbours(deps, product, request, POOL);
}
