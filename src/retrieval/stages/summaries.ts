/** The fields features, facets, rules and sorting read, for every fused candidate, and its facet rows. */
import type { AttributeFacetRow, FacetRow } from '../../catalog/catalog-query.ts';
import { attributeFacetSpecs } from '../../merchandising/attributes.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { summaryFacetRows } from '../facets.ts';
import type { SearchStart, Stage, Summaries } from './stage.ts';

export const summaries: Stage<
  SearchStart & { fused: FusedCandidate[] },
  { summaries: Summaries; facetRows: FacetRow[]; attributeFacetRows: AttributeFacetRow[] }
> = {
  name: 'summaries',
  async run({ deps, settings, request, fused }) {
    const summaries = await deps.backend.getSummaries(fused.map((c) => c.id));
    const edges = settings.search.facets.price_edges;
    const attributes = attributeFacetSpecs(settings.attributes, request.facets);
    const facetRows: FacetRow[] = [];
    const attributeFacetRows: AttributeFacetRow[] = [];
    for (const c of fused) {
      const { row, attributeRows } = summaryFacetRows(summaries.get(c.id), edges, attributes);
      facetRows.push(row);
      attributeFacetRows.push(...attributeRows);
    }
    return { summaries, facetRows, attributeFacetRows };
  },
};
