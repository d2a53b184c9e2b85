/**
 * First phase, vector leg: the products nearest the query vector, above the similarity
 * floor. `auto` takes the catalog's measured noise floor: the strict one when the keyword
 * leg found nothing (a vector-only answer needs stronger evidence), else the lenient one.
 */
import type { RankedHit } from '../../catalog/search-backend.ts';
import { retrievalWindow, type SearchStart, type Stage } from './stage.ts';

type In = SearchStart & { vector: Float32Array | undefined; bm25: RankedHit[] };

export const knn: Stage<In, { knn: RankedHit[] }> = {
  name: 'knn',
  async run(input) {
    if (!input.vector) return { knn: [] };
    const { backend, calibration } = input.deps;
    const hits = await backend.vectorSearch({
      vector: input.vector,
      filters: input.request.filters,
      limit: retrievalWindow(input),
    });
    const setting = input.settings.search.retrieval.knn_min_similarity;
    const measured = setting === 'auto' ? calibration.knnFloor() : undefined;
    const floor =
      setting !== 'auto'
        ? setting
        : measured
          ? input.bm25.length > 0
            ? measured.lenient
            : measured.strict
          : -1;
    return { knn: hits.filter((hit) => hit.score >= floor) };
  },
};
