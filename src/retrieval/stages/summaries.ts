/** The fields features, facets and sorting read, for every fused candidate, and its facet row. */
import type { FacetRow } from '../../catalog/catalog-query.ts';
import { priceBucketIndex } from '../../catalog/catalog-query.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import type { SearchStart, Stage, Summaries } from './stage.ts';

export const summaries: Stage<
  SearchStart & { fused: FusedCandidate[] },
  { summaries: Summaries; facetRows: FacetRow[] }
> = {
  name: 'summaries',
  async run({ deps, settings, fused }) {
    const summaries = await deps.backend.getSummaries(fused.map((c) => c.id));
    const edges = settings.search.facets.price_edges;
    const facetRows = fused.map((c): FacetRow => {
      const summary = summaries.get(c.id);
      return {
        brand: summary?.brand ?? null,
        category: summary?.category?.join(' > ') ?? null,
        priceBucket: priceBucketIndex(summary?.price, edges),
        count: 1,
      };
    });
    return { summaries, facetRows };
  },
};
