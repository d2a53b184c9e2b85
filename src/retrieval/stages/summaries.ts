/** The fields fusion, features, facets and sorting read, for every candidate of either leg. */
import type { RankedHit } from '../../catalog/search-backend.ts';
import type { SearchStart, Stage, Summaries } from './stage.ts';

export const summaries: Stage<
  SearchStart & { bm25: RankedHit[]; knn: RankedHit[] },
  { summaries: Summaries }
> = {
  name: 'summaries',
  async run({ deps, bm25, knn }) {
    const ids = new Set([...bm25.map((hit) => hit.id), ...knn.map((hit) => hit.id)]);
    return { summaries: await deps.backend.getSummaries([...ids]) };
  },
};
