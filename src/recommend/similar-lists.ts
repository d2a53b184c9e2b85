/**
 * Each product's content neighbours, precomputed by the recommendation job so that a
 * product page reads one list instead of running a kNN: the engine's kNN (through the
 * backend port, without filters) on the product's passage vector, the product itself left
 * out, weight = the cosine similarity. Serving filters the list in memory and runs the kNN
 * itself only when the list is missing (a product newer than the job's run, or beyond its
 * time budget) or the request's filters leave too few of it.
 *
 * Products shoppers engaged with come first, then the rest of the catalog in scan order,
 * until `budgetMs` is spent: on an engine whose kNN costs tens of milliseconds a run covers
 * the products that are looked at, and the others keep the per-request kNN.
 */
import { type Product, productEmbeddingText } from '../catalog/product.ts';
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { EmbedderSlot } from '../embeddings/embedder.ts';
import type { EngagementList } from '../users/engagement-lists.ts';

export interface SimilarListOptions {
  /** Neighbours kept per product. */
  neighbours: number;
  /** Wall-clock budget of the pass. */
  budgetMs: number;
  /** Products to do first (the engaged ones, strongest first). */
  first: readonly string[];
  batchSize?: number;
}

export interface SimilarLists {
  lists: EngagementList[];
  /** Products the budget left without a list (they keep the per-request kNN). */
  skipped: number;
  complete: boolean;
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;

export async function buildSimilarLists(
  deps: { backend: SearchBackend; embedder: EmbedderSlot },
  options: SimilarListOptions,
  signal?: AbortSignal,
): Promise<SimilarLists> {
  const deadline = performance.now() + options.budgetMs;
  const batchSize = options.batchSize ?? 256;
  const lists: EngagementList[] = [];
  const done = new Set<string>();
  let complete = true;
  const neighboursOf = async (batch: readonly Product[]) => {
    const todo = batch.filter((p) => !done.has(p.id));
    if (todo.length === 0) return true;
    const vectors = await deps.embedder.current.embed(todo.map(productEmbeddingText), 'passage');
    for (let i = 0; i < todo.length; i++) {
      signal?.throwIfAborted();
      if (performance.now() > deadline) return false;
      const product = todo[i]!;
      const hits = await deps.backend.vectorSearch({
        vector: vectors[i]!,
        filters: {},
        limit: options.neighbours + 1,
      });
      const items = hits
        .filter((h) => h.id !== product.id)
        .slice(0, options.neighbours)
        .map((h) => ({ id: h.id, weight: round(h.score), support: 0 }));
      done.add(product.id);
      if (items.length > 0) lists.push({ key: product.id, items });
    }
    return true;
  };
  for (let i = 0; complete && i < options.first.length; i += batchSize) {
    const ids = options.first.slice(i, i + batchSize);
    const products = await deps.backend.getProducts(ids);
    complete = await neighboursOf(ids.flatMap((id) => products.get(id) ?? []));
  }
  let total = done.size;
  for await (const batch of deps.backend.scanProducts(batchSize)) {
    total += batch.filter((p) => !done.has(p.id)).length;
    if (complete) complete = await neighboursOf(batch);
  }
  return { lists, skipped: Math.max(0, total - done.size), complete };
}
