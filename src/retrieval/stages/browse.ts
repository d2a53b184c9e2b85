/**
 * Browse (filters, no text): the engine filters, sorts and pages, and counts facets over
 * every match. When merchandising rules reorder the results (pins, boosts, buries), the
 * engine returns the top of the list instead (the retrieval window, or deeper when the page
 * asks for it), the rules reorder it and `page` cuts the page out of it.
 */
import type { AttributeFacetRow, FacetRow } from '../../catalog/catalog-query.ts';
import { attributeFacetSpecs } from '../../merchandising/attributes.ts';
import { type MerchandisingPlan, reordersResults } from '../../merchandising/plan.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { retrievalWindow, type SearchStart, type Stage } from './stage.ts';

interface Browsed {
  /** The engine's order from position `rankedOffset + 1` on. */
  ranked: FusedCandidate[];
  rankedOffset: number;
  total: number;
  facetRows: FacetRow[];
  attributeFacetRows: AttributeFacetRow[];
}

export const browse: Stage<SearchStart & { plan: MerchandisingPlan }, Browsed> = {
  name: 'browse',
  async run(input) {
    const { deps, request, settings, plan } = input;
    const reorder = reordersResults(plan, request.sort);
    const offset = reorder ? 0 : (request.page - 1) * request.size;
    const result = await deps.backend.browse({
      filters: request.filters,
      sort: request.sort,
      offset,
      limit: reorder ? retrievalWindow(input) : request.size,
      priceEdges: settings.search.facets.price_edges,
      attributeFacets: attributeFacetSpecs(settings.attributes, request.facets),
    });
    return {
      ranked: result.ids.map((id) => ({ id, score: 0 })),
      rankedOffset: offset,
      total: result.total,
      facetRows: result.facetRows,
      attributeFacetRows: result.attributeFacetRows,
    };
  },
};

/** Browse: the page shown, out of what the engine (and the rules) ranked. */
export const page: Stage<
  SearchStart & { ranked: FusedCandidate[]; rankedOffset: number },
  { page: FusedCandidate[]; offset: number }
> = {
  name: 'page',
  run: ({ request, ranked, rankedOffset }) => {
    const offset = (request.page - 1) * request.size;
    const start = offset - rankedOffset;
    return { page: ranked.slice(start, start + request.size), offset };
  },
};
