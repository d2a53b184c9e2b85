/**
 * Ranking metrics, one NDCG for every use:
 * - judged rankings, scored as ../shared/data/README.md prescribes so numbers are comparable
 *   everywhere: gain = relevance - 1 (0 .. 2), an unjudged product has gain 0; NDCG@k with
 *   log2 discount, the ideal ranking being the judged products by gain, queries whose ideal
 *   DCG is 0 skipped; Recall@k = share of the products with relevance >= 2.33 in the top k;
 * - graded lists (the ranker's training and held-out lists), optionally with a weight per
 *   label (inverse propensity for clicks).
 */
export const RELEVANT_AT = 2.33;

function dcg(gains: readonly number[], k: number): number {
  let sum = 0;
  for (let i = 0; i < Math.min(k, gains.length); i++) sum += gains[i]! / Math.log2(i + 2);
  return sum;
}

/** A result list in its served order with a graded label per item (0 = not relevant). */
export interface GradedList {
  count: number;
  labels: Float32Array;
  /** Per-item weight of the label (inverse propensity for clicks); 1 when absent. */
  weights?: Float32Array;
}

/** DCG@k of the list ordered by `scores` (descending) and the ideal DCG@k of its gains. */
function dcgAndIdeal(gains: Float32Array, scores: ArrayLike<number>, k: number): [number, number] {
  const order = Array.from(gains.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return [
    dcg(
      order.map((i) => gains[i]!),
      k,
    ),
    dcg(
      [...gains].sort((a, b) => b - a),
      k,
    ),
  ];
}

function weightedGains(list: Pick<GradedList, 'labels' | 'weights'>): Float32Array {
  const { labels, weights } = list;
  return weights ? Float32Array.from(labels, (label, i) => label * weights[i]!) : labels;
}

/** NDCG@k of one list ordered by `scores`, with labels (times their weights, if given) as gains. */
export function listNdcg(
  labels: Float32Array,
  scores: ArrayLike<number>,
  k = 10,
  weights?: Float32Array,
): number | undefined {
  const [dcg, ideal] = dcgAndIdeal(weightedGains({ labels, weights }), scores, k);
  return ideal > 0 ? dcg / ideal : undefined;
}

/**
 * NDCG@10 of lists ordered by `score`; lists without a relevant item are skipped.
 * Judged lists (no weights) give the usual mean of per-list NDCG. Click lists with
 * inverse-propensity weights give sum(IPS-weighted DCG) / sum(weighted ideal DCG): per-list
 * normalization would cancel the weight of every single-click list (most of them), and a
 * click at rank 6 would count no more than one at rank 1, which favours the served order.
 */
export function meanListNdcg<L extends GradedList>(
  lists: readonly L[],
  score: (list: L) => ArrayLike<number>,
): number {
  let sum = 0;
  let n = 0;
  let weightedDcg = 0;
  let weightedIdeal = 0;
  let weighted = 0;
  for (const list of lists) {
    const [dcg, ideal] = dcgAndIdeal(weightedGains(list), score(list), 10);
    if (ideal <= 0) continue;
    if (list.weights) {
      weightedDcg += dcg;
      weightedIdeal += ideal;
      weighted++;
    } else {
      sum += dcg / ideal;
      n++;
    }
  }
  // Mixed sets: each part counts by its number of lists.
  const clickPart = weightedIdeal > 0 ? (weighted * weightedDcg) / weightedIdeal : 0;
  return n + weighted > 0 ? (sum + clickPart) / (n + weighted) : 0;
}

/** The lists in the order they came: position i scores -i. */
export function inputOrder(list: GradedList): Float32Array {
  return Float32Array.from({ length: list.count }, (_, i) => -i);
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
