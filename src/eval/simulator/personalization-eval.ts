/**
 * Does personalization serve each shopper better? For every shopper and a few evaluation
 * queries drawn from their own taste, the same query is searched four ways over HTTP:
 *
 * - `history`:    with the shopper's user id (their events are in the service);
 * - `newShopper`: with a fresh user id that has no events (the same hidden taste, so the
 *                 comparison is paired: only the history differs);
 * - `anonymous`:  without a user id: the unpersonalized ranking, ranker included;
 * - `fused`:      `rerank=false`: retrieval's fused order, no ranker at all.
 *
 * Each served top-k is scored by NDCG@k against the shopper's own preference grades
 * (gain = preference 0..3, log2 discount). The ideal ranking is the best order of the
 * candidate pool: the union of the products the four searches returned (top `size` each)
 * for that shopper and query. A product outside the pool cannot be judged, and a query
 * whose pool holds nothing the shopper prefers (ideal DCG 0) is skipped and counted.
 * Searching records impressions (as any search does) but sends no events, so evaluating
 * changes no one's history.
 */
import { meanDefined, ndcgAt } from '../ranking-metrics.ts';
import type { RunSearch, SearchParams, ServedResults } from './api-client.ts';
import { nextQuery } from './queries.ts';
import { randomStream } from './sampling.ts';
import { preference, type Shopper } from './shoppers.ts';
import type { SimulationCatalog } from './simulation-catalog.ts';
import { forEachConcurrently } from './worker-pool.ts';

export const SERVED_VARIANTS = ['history', 'newShopper', 'anonymous', 'fused'] as const;
export type ServedVariant = (typeof SERVED_VARIANTS)[number];

export interface PersonalizationEvalOptions {
  search: RunSearch;
  catalog: SimulationCatalog;
  /** Shoppers who have history in the service (the signed-in shoppers of earlier traffic). */
  shoppers: readonly Shopper[];
  queriesPerShopper: number;
  /** Seed of the evaluation queries (a stream apart from the traffic's). */
  seed: number;
  /** Results fetched per search: the candidate pool. */
  size: number;
  k: number;
  concurrency: number;
  /** The user id the same shopper has as a new shopper; must never have had events. */
  newShopperId: (shopper: Shopper) => string;
  /** Called after every evaluation query, e.g. for a progress bar. */
  onQuery?: (done: number, total: number) => void;
}

export const DEFAULT_PERSONALIZATION_EVAL: Omit<
  PersonalizationEvalOptions,
  'search' | 'catalog' | 'shoppers'
> = {
  queriesPerShopper: 5,
  seed: 1,
  size: 20,
  k: 10,
  concurrency: 4,
  newShopperId: (shopper) => `${shopper.userId}-new`,
};

export interface PersonalizationReport {
  k: number;
  shoppers: number;
  /** Queries scored, and queries skipped because nothing in their pool was preferred. */
  queries: number;
  skipped: number;
  /** Mean NDCG@k of each served ranking against the shoppers' preferences. */
  ndcg: Record<ServedVariant, number>;
  /** Relative change over the unpersonalized (anonymous) ranking: 0.15 is +15%. */
  changeOverAnonymous: { history: number; newShopper: number };
  /** Relative change over retrieval's fused order (rerank=false). */
  changeOverFused: { history: number; newShopper: number; anonymous: number };
  /** Searches the ranker reordered, per variant. */
  reranked: Record<ServedVariant, number>;
  seconds: number;
}

/**
 * NDCG@k of each served list against one shopper's preference grades, the ideal being the
 * best order of the union of the lists; undefined for all when the union holds nothing the
 * shopper prefers.
 */
export function preferenceNdcg(
  shopper: Shopper,
  lists: readonly Pick<ServedResults, 'hits'>[],
  k: number,
): (number | undefined)[] {
  // ndcgAt takes judgment-scale relevance (gain = relevance - 1): preference + 1.
  const relevance = new Map<string, number>();
  for (const list of lists) {
    for (const hit of list.hits) relevance.set(hit.id, preference(shopper, hit.product) + 1);
  }
  return lists.map((list) =>
    ndcgAt(
      list.hits.map((hit) => hit.id),
      relevance,
      k,
    ),
  );
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function relativeChange(value: number, baseline: number): number {
  return baseline > 0 ? round4(value / baseline - 1) : 0;
}

export async function evaluatePersonalization(
  options: Partial<PersonalizationEvalOptions> &
    Pick<PersonalizationEvalOptions, 'search' | 'catalog' | 'shoppers'>,
): Promise<PersonalizationReport> {
  const o: PersonalizationEvalOptions = { ...DEFAULT_PERSONALIZATION_EVAL, ...options };
  const started = performance.now();
  const scores: Record<ServedVariant, number[]> = { history: [], newShopper: [], anonymous: [], fused: [] };
  const reranked: Record<ServedVariant, number> = { history: 0, newShopper: 0, anonymous: 0, fused: 0 };
  let skipped = 0;
  let done = 0;
  const total = o.shoppers.length * o.queriesPerShopper;
  await forEachConcurrently(o.shoppers, o.concurrency, async (shopper) => {
    const random = randomStream(o.seed, 'evaluation', shopper.index);
    for (let i = 0; i < o.queriesPerShopper; i++) {
      const { q } = nextQuery(shopper, o.catalog, random);
      const params: Record<ServedVariant, SearchParams> = {
        history: { q, size: o.size, userId: shopper.userId },
        newShopper: { q, size: o.size, userId: o.newShopperId(shopper) },
        anonymous: { q, size: o.size },
        fused: { q, size: o.size, rerank: false },
      };
      const served: ServedResults[] = [];
      for (const variant of SERVED_VARIANTS) {
        const results = await o.search(params[variant]);
        if (results.ranking?.reranked) reranked[variant]++;
        served.push(results);
      }
      const ndcg = preferenceNdcg(shopper, served, o.k);
      o.onQuery?.(++done, total);
      if (ndcg[0] === undefined) {
        skipped++;
        continue;
      }
      SERVED_VARIANTS.forEach((variant, j) => {
        scores[variant].push(ndcg[j]!);
      });
    }
  });
  const mean = (variant: ServedVariant) => meanDefined(scores[variant]).mean;
  const raw = {
    history: mean('history'),
    newShopper: mean('newShopper'),
    anonymous: mean('anonymous'),
    fused: mean('fused'),
  };
  return {
    k: o.k,
    shoppers: o.shoppers.length,
    queries: scores.history.length,
    skipped,
    ndcg: {
      history: round4(raw.history),
      newShopper: round4(raw.newShopper),
      anonymous: round4(raw.anonymous),
      fused: round4(raw.fused),
    },
    changeOverAnonymous: {
      history: relativeChange(raw.history, raw.anonymous),
      newShopper: relativeChange(raw.newShopper, raw.anonymous),
    },
    changeOverFused: {
      history: relativeChange(raw.history, raw.fused),
      newShopper: relativeChange(raw.newShopper, raw.fused),
      anonymous: relativeChange(raw.anonymous, raw.fused),
    },
    reranked,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}
