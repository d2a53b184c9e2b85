/** Facet counts over the candidates (search) or every product passing the filters (browse). */
import type { FacetRow } from '../../catalog/catalog-query.ts';
import { type FacetCounts, foldFacetRows } from '../facets.ts';
import type { SearchStart, Stage } from './stage.ts';

export const facets: Stage<SearchStart & { facetRows: readonly FacetRow[] }, { facets: FacetCounts }> = {
  name: 'facets',
  run: ({ request, settings, facetRows }) => ({
    facets: foldFacetRows(facetRows, {
      fields: request.facets,
      priceEdges: settings.search.facets.price_edges,
      categoryFilter: request.filters.category,
      maxValues: settings.search.facets.max_values,
    }),
  }),
};
