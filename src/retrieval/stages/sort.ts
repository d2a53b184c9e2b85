/** The requested order (relevance keeps the ranked order; equal keys keep it too) and the page shown. */
import type { SortOrder } from '../../catalog/catalog-query.ts';
import type { ProductSummary } from '../../catalog/search-backend.ts';
import type { FusedCandidate } from '../../ranking/candidate.ts';
import type { PageOfHits, SearchStart, Stage, Summaries } from './stage.ts';

type Compare = (a: ProductSummary | undefined, b: ProductSummary | undefined) => number;

/** Products without the value come last. */
function nullsLast<T extends string | number>(
  pick: (s: ProductSummary) => T | undefined,
  direction: 1 | -1,
): Compare {
  return (a, b) => {
    const x = a ? pick(a) : undefined;
    const y = b ? pick(b) : undefined;
    if (x === undefined) return y === undefined ? 0 : 1;
    if (y === undefined) return -1;
    return x < y ? -direction : x > y ? direction : 0;
  };
}

const COMPARATORS: Record<Exclude<SortOrder, 'relevance'>, Compare> = {
  price_asc: nullsLast((s) => s.price, 1),
  price_desc: nullsLast((s) => s.price, -1),
  newest: nullsLast((s) => s.created_at, -1),
  rating_desc: nullsLast((s) => s.rating, -1),
  popularity_desc: nullsLast((s) => s.popularity, -1),
};

type In = SearchStart & { ranked: FusedCandidate[]; summaries: Summaries };

export const sort: Stage<In, Omit<PageOfHits, 'total'>> = {
  name: 'sort',
  run({ request, ranked, summaries }) {
    const order = request.sort;
    // Array.prototype.sort is stable: equal keys keep their relevance order.
    const sorted =
      order === 'relevance'
        ? ranked
        : [...ranked].sort((a, b) => COMPARATORS[order](summaries.get(a.id), summaries.get(b.id)));
    const offset = (request.page - 1) * request.size;
    return { page: sorted.slice(offset, offset + request.size), offset };
  },
};
