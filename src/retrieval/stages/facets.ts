/** Facet counts over the candidates (search) or every product passing the filters (browse). */
import type { AttributeFacetRow, FacetRow } from '../../catalog/catalog-query.ts';
import { attributeFacetSpecs } from '../../merchandising/attributes.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { type FacetCounts, foldFacetRows, summaryFacetRows } from '../facets.ts';
import { BUILT_IN_FACETS, type BuiltInFacet } from '../search-request.ts';
import type { SearchStart, Stage, Summaries } from './stage.ts';

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

/**
 * Search: one facet row per fused candidate (either leg's match), from its summary; the
 * rules stage adds pinned products' rows before the facets stage counts them.
 */
export const candidateFacetRows: Stage<
  SearchStart & { fused: FusedCandidate[]; summaries: Summaries },
  { facetRows: FacetRow[]; attributeFacetRows: AttributeFacetRow[] }
> = {
  name: 'facet_rows',
  run({ settings, request, fused, summaries }) {
    const edges = settings.search.facets.price_edges;
    const attributes = attributeFacetSpecs(settings.attributes, request.facets);
    const facetRows: FacetRow[] = [];
    const attributeFacetRows: AttributeFacetRow[] = [];
    for (const candidate of fused) {
      const { row, attributeRows } = summaryFacetRows(summaries.get(candidate.id), edges, attributes);
      facetRows.push(row);
      attributeFacetRows.push(...attributeRows);
    }
    return { facetRows, attributeFacetRows };
  },
};
