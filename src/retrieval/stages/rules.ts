/**
 * After the learned ranker, the marketer has the last say: boosts and buries move the
 * candidates within the window, pins put products at exact positions (Algolia applies its
 * pins after personalization and re-ranking too). Hides and forced filters already acted in
 * retrieval (match-rules). Explain lists, per hit, the rules that moved or placed it.
 */
import type { AttributeFacetRow, FacetRow } from '../../catalog/catalog-query.ts';
import { matchesFilters } from '../../catalog/filter-match.ts';
import type { ProductSummary } from '../../catalog/search-backend.ts';
import { attributeFacetSpecs } from '../../merchandising/attributes.ts';
import {
  applyPlan,
  type HitRuleEffect,
  type MerchandisingPlan,
  reordersResults,
} from '../../merchandising/plan.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import { summaryFacetRows } from '../facets.ts';
import type { SearchStart, Stage, Summaries } from './stage.ts';

type In = SearchStart & {
  plan: MerchandisingPlan;
  ranked: FusedCandidate[];
  summaries?: Summaries;
  facetRows: FacetRow[];
  attributeFacetRows: AttributeFacetRow[];
  total: number;
};

interface Out {
  ranked: FusedCandidate[];
  summaries: Summaries;
  facetRows: FacetRow[];
  attributeFacetRows: AttributeFacetRow[];
  total: number;
  ruleEffects: ReadonlyMap<string, HitRuleEffect[]>;
  /** Pins not shown: an unknown product, or one the search's filters leave out. */
  pinsNotShown: { rule: string; id: string }[];
}

function unchanged(input: In): Out {
  const { ranked, summaries, facetRows, attributeFacetRows, total } = input;
  return {
    ranked,
    summaries: summaries ?? new Map(),
    facetRows,
    attributeFacetRows,
    total,
    ruleEffects: new Map(),
    pinsNotShown: [],
  };
}

/**
 * `candidatesAreCounted`: browse totals and facets already count every product the
 * engine's filters pass, so a pinned product adds to them only when those filters left it out.
 */
function placeProducts(candidatesAreCounted: boolean) {
  return async (input: In): Promise<Out> => {
    const { deps, plan, ranked, settings, request } = input;
    const known = input.summaries ?? new Map<string, ProductSummary>();
    const needed = [
      ...(plan.adjustments.length > 0 ? ranked.map((c) => c.id) : []),
      ...plan.pins.map((p) => p.id),
    ].filter((id) => !known.has(id));
    const fetched = needed.length > 0 ? await deps.backend.getSummaries([...new Set(needed)]) : new Map();
    const summaries: Map<string, ProductSummary> = new Map([...known, ...fetched]);
    const placed = applyPlan(plan, ranked, summaries, (id) => ({ id, score: 0 }));
    const facetRows = [...input.facetRows];
    const attributeFacetRows = [...input.attributeFacetRows];
    let total = input.total;
    const edges = settings.search.facets.price_edges;
    const attributes = attributeFacetSpecs(settings.attributes, request.facets);
    for (const id of placed.inserted) {
      const summary = summaries.get(id);
      if (candidatesAreCounted && summary && matchesFilters(summary, plan.filters)) continue;
      const rows = summaryFacetRows(summary, edges, attributes);
      facetRows.push(rows.row);
      attributeFacetRows.push(...rows.attributeRows);
      total++;
    }
    return {
      ranked: placed.ranked,
      summaries,
      facetRows,
      attributeFacetRows,
      total,
      ruleEffects: placed.effects,
      pinsNotShown: placed.skippedPins,
    };
  };
}

function explain({ ruleEffects }: In & Out, id: string) {
  const effects = ruleEffects.get(id);
  return effects ? { rules: effects } : undefined;
}

const skip = (input: In) => (reordersResults(input.plan, input.request.sort) ? undefined : unchanged(input));

/** A search with text: the candidates are the fused window. */
export const rules: Stage<In, Out> = { name: 'rules', skip, run: placeProducts(false), explain };

/** A browse: the candidates are the top of the filtered catalog. */
export const browseRules: Stage<In, Out> = { name: 'rules', skip, run: placeProducts(true), explain };
