/** Browse (filters, no text): the engine filters, sorts and pages, and counts facets over every match. */
import type { FacetRow } from '../../catalog/catalog-query.ts';
import type { PageOfHits, SearchStart, Stage } from './stage.ts';

export const browse: Stage<SearchStart, PageOfHits & { facetRows: FacetRow[] }> = {
  name: 'browse',
  async run({ deps, request, settings }) {
    const offset = (request.page - 1) * request.size;
    const result = await deps.backend.browse({
      filters: request.filters,
      sort: request.sort,
      offset,
      limit: request.size,
      priceEdges: settings.search.facets.price_edges,
    });
    const page = result.ids.map((id) => ({ id, score: 0 }));
    return { page, offset, total: result.total, facetRows: result.facetRows };
  },
};
