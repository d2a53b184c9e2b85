/** Facet counts over the candidates (search) or every product passing the filters (browse). */
import { type FacetRow, priceBucketIndex } from '../../catalog/catalog-query.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { type FacetCounts, foldFacetRows } from '../facets.ts';
import type { SearchStart, Stage, Summaries } from './stage.ts';

function fold({ request, settings }: SearchStart, rows: readonly FacetRow[]): { facets: FacetCounts } {
  return {
    facets: foldFacetRows(rows, {
      fields: request.facets,
      priceEdges: settings.search.facets.price_edges,
      categoryFilter: request.filters.category,
      maxValues: settings.search.facets.max_values,
    }),
  };
}

/** Browse: the engine counted the rows. */
export const facets: Stage<SearchStart & { facetRows: readonly FacetRow[] }, { facets: FacetCounts }> = {
  name: 'facets',
  run: (input) => fold(input, input.facetRows),
};

/** Search: one row per candidate, from its summary. */
export const candidateFacets: Stage<
  SearchStart & { fused: FusedCandidate[]; summaries: Summaries },
  { facets: FacetCounts }
> = {
  name: 'facets',
  run(input) {
    const edges = input.settings.search.facets.price_edges;
    const rows = input.fused.map((candidate): FacetRow => {
      const summary = input.summaries.get(candidate.id);
      return {
        brand: summary?.brand ?? null,
        category: summary?.category?.join(' > ') ?? null,
        priceBucket: priceBucketIndex(summary?.price, edges),
        count: 1,
      };
    });
    return fold(input, rows);
  },
};
