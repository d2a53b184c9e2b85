/**
 * Query-conditioned engagement: what shoppers did with a product when it was shown for one
 * query. A product's clicks for "laptop" say nothing about "laptop case"; counters kept per
 * (query, product) keep that apart, where a global per-product rate would carry a click
 * earned for one query to every query the product appears in.
 *
 * Counters are kept under the query's normalized text (lower case, accents and punctuation
 * folded, single spaces): plain text normalization rather than the analyzer's stems, so a
 * change of analysis never strands the counts. Each impression also adds its reference
 * examination probability (1 / position) to `examinations`, so clicks can be read against
 * how often the product was likely looked at there (clicks over expected clicks) instead of
 * raw click-through, which favours whatever was ranked high.
 */
import { normalizeText } from '../text/analyzer.ts';

export interface QueryProductStats {
  impressions: number;
  /** Sum of the reference examination probability of each impression's position. */
  examinations: number;
  clicks: number;
  carts: number;
  purchases: number;
}

export const EMPTY_QUERY_PRODUCT_STATS: Readonly<QueryProductStats> = Object.freeze({
  impressions: 0,
  examinations: 0,
  clicks: 0,
  carts: 0,
  purchases: 0,
});

/** The key a query's engagement is counted under; empty for a query without letters or digits. */
export function queryKey(query: string): string {
  return normalizeText(query)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * How likely a shopper looks at a position, for counting only (1 / position, the shape
 * click logs usually show). The ranker learns on top of the counts, so the curve need not
 * be exact; the measured one (position-bias.ts) weighs the training labels.
 */
export function referenceExamination(position: number): number {
  return 1 / Math.max(1, position);
}

/** The counters one event adds (an impression event adds none: impressions are counted from result lists). */
export function actionIncrements(type: string): Pick<QueryProductStats, 'clicks' | 'carts' | 'purchases'> {
  return {
    clicks: type === 'click' ? 1 : 0,
    carts: type === 'add_to_cart' ? 1 : 0,
    purchases: type === 'purchase' ? 1 : 0,
  };
}

export function addQueryProductStats(a: QueryProductStats, b: Partial<QueryProductStats>): QueryProductStats {
  return {
    impressions: a.impressions + (b.impressions ?? 0),
    examinations: a.examinations + (b.examinations ?? 0),
    clicks: a.clicks + (b.clicks ?? 0),
    carts: a.carts + (b.carts ?? 0),
    purchases: a.purchases + (b.purchases ?? 0),
  };
}
