/**
 * Offline ranking metrics, scored as ../shared/data/README.md prescribes so numbers are
 * comparable everywhere:
 * - gain = relevance - 1 (0 .. 2); an unjudged product has gain 0;
 * - NDCG@k with log2 discount, the ideal ranking being the judged products by gain;
 *   queries whose ideal DCG is 0 are skipped;
 * - Recall@k = share of the products with relevance >= 2.33 found in the top k.
 */
export const RELEVANT_AT = 2.33;

function dcg(gains: readonly number[], k: number): number {
  let sum = 0;
  for (let i = 0; i < Math.min(k, gains.length); i++) sum += gains[i]! / Math.log2(i + 2);
  return sum;
}

/** NDCG@k of one ranking, or undefined when the query has no relevant product at all. */
export function ndcgAt(
  ranked: readonly string[],
  relevance: ReadonlyMap<string, number>,
  k: number,
): number | undefined {
  const ideal = dcg(
    [...relevance.values()].map((r) => r - 1).sort((a, b) => b - a),
    k,
  );
  if (ideal <= 0) return undefined;
  return (
    dcg(
      ranked.slice(0, k).map((id) => Math.max(0, (relevance.get(id) ?? 1) - 1)),
      k,
    ) / ideal
  );
}

export function recallAt(
  ranked: readonly string[],
  relevance: ReadonlyMap<string, number>,
  k: number,
  threshold = RELEVANT_AT,
): number | undefined {
  const relevant = [...relevance].filter(([, r]) => r >= threshold).map(([id]) => id);
  if (relevant.length === 0) return undefined;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/** Mean of the defined values, and how many there were. */
export function meanDefined(values: Iterable<number | undefined>): { mean: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (v === undefined) continue;
    sum += v;
    count++;
  }
  return { mean: count > 0 ? sum / count : 0, count };
}

export interface RankingQuality {
  ndcg10: number;
  recall100: number;
  queries: number;
}

export function scoreRankings(
  rankings: ReadonlyMap<string, readonly string[]>,
  judgments: ReadonlyMap<string, ReadonlyMap<string, number>>,
): RankingQuality {
  const ndcg = meanDefined([...judgments].map(([q, rel]) => ndcgAt(rankings.get(q) ?? [], rel, 10)));
  const recall = meanDefined([...judgments].map(([q, rel]) => recallAt(rankings.get(q) ?? [], rel, 100)));
  return { ndcg10: ndcg.mean, recall100: recall.mean, queries: ndcg.count };
}

export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return 0;
  const index = Math.min(sortedAscending.length - 1, Math.ceil((p / 100) * sortedAscending.length) - 1);
  return sortedAscending[Math.max(0, index)]!;
}
