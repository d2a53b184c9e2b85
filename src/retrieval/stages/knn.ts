/** First phase, vector leg: the products nearest the query vector, above the similarity floor. */
import type { RankedHit } from '../../catalog/search-backend.ts';
import { retrievalWindow, type SearchStart, type Stage } from './stage.ts';

export const knn: Stage<SearchStart & { vector: Float32Array | undefined }, { knn: RankedHit[] }> = {
  name: 'knn',
  async run(input) {
    if (!input.vector) return { knn: [] };
    const { backend } = input.deps;
    const hits = await backend.vectorSearch({
      vector: input.vector,
      filters: input.request.filters,
      limit: retrievalWindow(input),
    });
    const floor = input.settings.search.retrieval.knn_min_similarity;
    return { knn: hits.filter((hit) => hit.score >= floor) };
  },
};
