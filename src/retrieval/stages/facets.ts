/** Facet counts over the candidates (search) or every product passing the filters (browse). */
import type { AttributeFacetRow, FacetRow } from '../../catalog/catalog-query.ts';
import { attributeFacetSpecs } from '../../merchandising/attributes.ts';
import { type FacetCounts, foldFacetRows } from '../facets.ts';
import { BUILT_IN_FACETS, type BuiltInFacet } from '../search-request.ts';
import type { SearchStart, Stage } from './stage.ts';

type In = SearchStart & { facetRows: readonly FacetRow[]; attributeFacetRows: readonly AttributeFacetRow[] };

export const facets: Stage<In, { facets: FacetCounts }> = {
  name: 'facets',
  run: ({ request, settings, facetRows, attributeFacetRows }) => ({
    facets: foldFacetRows(facetRows, attributeFacetRows, {
      fields: request.facets.filter((f): f is BuiltInFacet =>
        (BUILT_IN_FACETS as readonly string[]).includes(f),
      ),
      priceEdges: settings.search.facets.price_edges,
      categoryFilter: request.filters.category,
      maxValues: settings.search.facets.max_values,
      attributes: attributeFacetSpecs(settings.attributes, request.facets),
    }),
  }),
};
