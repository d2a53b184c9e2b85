/**
 * The relevance guardrail (ADR 0009): whether a candidate model may serve each shopper
 * segment (with history, without), decided on evidence that biased clicks cannot fake.
 *
 * For an event-trained model, a segment is served only when every check it has passes:
 * - `clicks`: on the held-out logged lists of the segment's own shoppers, the model orders
 *   the clicks (IPS-weighted NDCG@10) better than the fused order, and the lower end of a
 *   paired bootstrap interval of the difference is above zero: a model trained on noise
 *   never clears it;
 * - `judgments` (when the shop has judgment lists): on judged queries run through
 *   retrieval as serving does, for the segment (anonymously, or with the profile of a
 *   held-out shopper with history), the model's human-judged NDCG@10 is not below the fused
 *   order's by more than the tolerance: a model trained on popularity or on complement
 *   clicks loses there, whatever its clicks say;
 * - `fused_agreement` (needs no clicks): on the held-out lists, the model's top 10 agrees
 *   with the fused order's at least so much, by rank-biased overlap (RBO, p = 0.9, over
 *   the top 10: 1 for the same order, about 0.85 when the first two swap, about 0.7 when
 *   the fifth result moves to the top): retrieval's best results stay near the top.
 * A segment with fewer than `minLists` held-out lists is not served: there is too little
 * to judge it on. A model trained on judgment lists is judged on its held-out judged lists.
 */
import type { Judgments } from '../../eval/judgments.ts';
import { meanListNdcg, ndcgAt } from '../../eval/ranking-metrics.ts';
import { seededRandom } from '../../ml/seeded-random.ts';
import { normalizedFusedScores, type RankerModel } from '../ranker-model.ts';
import { rerankWindow, type ShopperSegment, segmentOf, servingOrder } from '../serving-order.ts';
import type { RankingList } from './train-ranker.ts';

export interface GateSettings {
  /** Relative drop of judged NDCG@10 against the fused order still taken as "not worse". */
  judgmentTolerance: number;
  /** Confidence of the bootstrap interval of the click improvement (its lower end must be above 0). */
  confidence: number;
  /** Least mean rank-biased overlap (p = 0.9, top 10) of the model's order with the fused order. */
  minFusedAgreement: number;
  /** Held-out lists a segment needs to be judged at all. */
  minLists: number;
  /** Judged queries replayed per segment (a fixed sample of them when there are more). */
  maxJudgedQueries: number;
  bootstrapSamples: number;
}

export const DEFAULT_GATE: GateSettings = {
  judgmentTolerance: 0.005,
  confidence: 0.95,
  minFusedAgreement: 0.5,
  minLists: 30,
  maxJudgedQueries: 1000,
  bootstrapSamples: 500,
};

/** One judged query as serving sees it for one segment: the fused candidates and their features. */
export interface JudgedList {
  query: string;
  segment: ShopperSegment;
  /** Candidate ids in fused order (all of them; the first `count` have features). */
  ids: string[];
  features: Float32Array;
  count: number;
}

export interface ClickCheck {
  lists: number;
  ndcg10: number;
  ndcg10_fused: number;
  /** The lower end of the bootstrap interval of ndcg10 - ndcg10_fused. */
  improvement_lower_bound: number;
  passed: boolean;
}

export interface JudgmentCheck {
  queries: number;
  ndcg10: number;
  ndcg10_fused: number;
  passed: boolean;
}

export interface AgreementCheck {
  lists: number;
  /** Mean rank-biased overlap with the fused order (p = 0.9, top 10, 1 = the same order). */
  rbo_at_10: number;
  /** Mean share of the fused top 10 in the model's top 10. */
  overlap_at_10: number;
  /** Mean |model position - fused position| over the fused top 10. */
  mean_displacement: number;
  passed: boolean;
}

export interface SegmentDecision {
  serve: boolean;
  /** Why it is not served (empty when it is). */
  reasons: string[];
  checks: {
    /** Event-trained: the segment's held-out logged lists. */
    clicks?: ClickCheck;
    /** Judgment-trained: its held-out judged lists. */
    heldout_judgments?: JudgmentCheck;
    /** The shop's judgment lists (mappings/judgments, or the ones given to the gate). */
    judgments?: JudgmentCheck;
    fused_agreement?: AgreementCheck;
  };
}

export interface GateReport {
  settings: {
    judgment_tolerance: number;
    confidence: number;
    min_fused_agreement: number;
    min_lists: number;
  };
  /** Where the judgments came from (absent: the shop has none). */
  judgments?: string;
  segments: Record<ShopperSegment, SegmentDecision>;
}

/** Each list's fused order: its candidates by fused score, ties in the order they came. */
export function fusedOrderScores(list: Pick<RankingList, 'features' | 'count'>): Float32Array {
  return normalizedFusedScores(list.features, list.count);
}

function topIndices(scores: ArrayLike<number>, count: number, k: number): number[] {
  return Array.from({ length: count }, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

const RBO_P = 0.9;

/** Rank-biased overlap of two orders over their top `k` (truncated, scaled so equal orders give 1). */
export function rankBiasedOverlap(a: readonly number[], b: readonly number[], k = 10): number {
  const depth = Math.min(k, a.length, b.length);
  if (depth === 0) return 1;
  const seenA = new Set<number>();
  const seenB = new Set<number>();
  let shared = 0;
  let sum = 0;
  let weights = 0;
  for (let d = 0; d < depth; d++) {
    const x = a[d]!;
    const y = b[d]!;
    if (x === y) shared++;
    else {
      if (seenB.has(x)) shared++;
      if (seenA.has(y)) shared++;
    }
    seenA.add(x);
    seenB.add(y);
    const weight = RBO_P ** d;
    sum += (weight * shared) / (d + 1);
    weights += weight;
  }
  return sum / weights;
}

function agreement(lists: readonly RankingList[], model: RankerModel, minAgreement: number): AgreementCheck {
  let rbo = 0;
  let overlap = 0;
  let displacement = 0;
  for (const list of lists) {
    const fused = topIndices(fusedOrderScores(list), list.count, list.count);
    const served = topIndices(model.score(list.features, list.count), list.count, list.count);
    const k = Math.min(10, list.count);
    rbo += rankBiasedOverlap(served, fused, k);
    const servedTop = new Set(served.slice(0, k));
    overlap += fused.slice(0, k).filter((i) => servedTop.has(i)).length / k;
    const position = new Map(served.map((index, p) => [index, p]));
    displacement +=
      fused.slice(0, k).reduce((sum, index, p) => sum + Math.abs(position.get(index)! - p), 0) / k;
  }
  const n = Math.max(1, lists.length);
  return {
    lists: lists.length,
    rbo_at_10: rbo / n,
    overlap_at_10: overlap / n,
    mean_displacement: displacement / n,
    passed: lists.length > 0 && rbo / n + 1e-9 >= minAgreement,
  };
}

/** DCG@10 of a list's gains (labels times weights) in the order of `scores`, descending. */
function dcgAt10(gains: readonly number[], scores: ArrayLike<number>): number {
  let sum = 0;
  topIndices(scores, gains.length, 10).forEach((i, p) => {
    sum += gains[i]! / Math.log2(p + 2);
  });
  return sum;
}

interface ListDcg {
  model: number;
  fused: number;
  ideal: number;
}

/**
 * The click check: IPS-weighted NDCG@10 of the model vs the fused order over the lists
 * (sum of DCG over sum of ideal DCG, as the trainer's held-out metric), with a paired
 * bootstrap over lists for the lower end of the difference.
 */
function clickCheck(lists: readonly RankingList[], model: RankerModel, settings: GateSettings): ClickCheck {
  const dcgs: ListDcg[] = [];
  for (const list of lists) {
    const gains = Array.from(list.labels, (label, i) => label * (list.weights?.[i] ?? 1));
    const ideal = dcgAt10(gains, gains);
    if (ideal <= 0) continue;
    dcgs.push({
      model: dcgAt10(gains, model.score(list.features, list.count)),
      fused: dcgAt10(gains, fusedOrderScores(list)),
      ideal,
    });
  }
  const ratio = (sample: readonly ListDcg[], key: 'model' | 'fused') => {
    let dcg = 0;
    let ideal = 0;
    for (const d of sample) {
      dcg += d[key];
      ideal += d.ideal;
    }
    return ideal > 0 ? dcg / ideal : 0;
  };
  const random = seededRandom(0x9a7e);
  const differences: number[] = [];
  for (let b = 0; b < settings.bootstrapSamples && dcgs.length > 0; b++) {
    const sample = Array.from({ length: dcgs.length }, () => dcgs[Math.floor(random() * dcgs.length)]!);
    differences.push(ratio(sample, 'model') - ratio(sample, 'fused'));
  }
  differences.sort((a, b) => a - b);
  const lowerBound = differences[Math.floor((1 - settings.confidence) * differences.length)] ?? 0;
  return {
    lists: dcgs.length,
    ndcg10: ratio(dcgs, 'model'),
    ndcg10_fused: ratio(dcgs, 'fused'),
    improvement_lower_bound: lowerBound,
    passed: dcgs.length > 0 && lowerBound > 0,
  };
}

/** Human-judged NDCG@10 of the serving order vs the fused order (README scoring: unjudged = gain 0). */
export function judgmentCheck(
  lists: readonly JudgedList[],
  judgments: Judgments,
  model: RankerModel,
  maxPosition: number | undefined,
  tolerance: number,
): JudgmentCheck {
  let served = 0;
  let fused = 0;
  let queries = 0;
  for (const list of lists) {
    const relevance = judgments.get(list.query);
    if (!relevance) continue;
    const fusedNdcg = ndcgAt(list.ids, relevance, 10);
    if (fusedNdcg === undefined) continue;
    const window = rerankWindow(maxPosition, list.count);
    const { order } = servingOrder(model, list.features, list.count, window);
    const ids = [...order.map((i) => list.ids[i]!), ...list.ids.slice(list.count)];
    served += ndcgAt(ids, relevance, 10)!;
    fused += fusedNdcg;
    queries++;
  }
  const ndcg10 = queries > 0 ? served / queries : 0;
  const ndcg10Fused = queries > 0 ? fused / queries : 0;
  return {
    queries,
    ndcg10,
    ndcg10_fused: ndcg10Fused,
    passed: queries > 0 && ndcg10 + 1e-9 >= ndcg10Fused * (1 - tolerance),
  };
}

export interface GateInput {
  source: 'events' | 'judgments';
  heldOut: readonly RankingList[];
  model: RankerModel;
  /** Deepest logged position the model learned from (event-trained: it reorders no deeper). */
  maxPosition?: number;
  /** The shop's judged queries replayed for each segment, and where they came from. */
  judged?: { lists: readonly JudgedList[]; judgments: Judgments; source: string };
}

export function decideSegments(input: GateInput, settings: GateSettings = DEFAULT_GATE): GateReport {
  const segments = {} as Record<ShopperSegment, SegmentDecision>;
  for (const segment of ['without_history', 'with_history'] as const) {
    const reasons: string[] = [];
    const checks: SegmentDecision['checks'] = {};
    if (input.source === 'events') {
      const lists = input.heldOut.filter((l) => segmentOf(l.features) === segment);
      const clicks = clickCheck(lists, input.model, settings);
      const agreementCheck = agreement(lists, input.model, settings.minFusedAgreement);
      checks.clicks = clicks;
      checks.fused_agreement = agreementCheck;
      if (clicks.lists < settings.minLists) {
        reasons.push(`only ${clicks.lists} held-out searches with a click, ${settings.minLists} needed`);
      } else {
        if (!clicks.passed)
          reasons.push(
            `no sure gain on held-out clicks (NDCG@10 ${clicks.ndcg10.toFixed(4)} vs the fused order's ` +
              `${clicks.ndcg10_fused.toFixed(4)}, lower bound of the gain ${clicks.improvement_lower_bound.toFixed(4)})`,
          );
        if (!agreementCheck.passed)
          reasons.push(
            `its top 10 agrees with the fused order's by ${agreementCheck.rbo_at_10.toFixed(3)} (rank-biased ` +
              `overlap), ${settings.minFusedAgreement.toFixed(3)} needed`,
          );
      }
    } else {
      // Trained on judgment lists (no shopper in them): its held-out lists judge both segments.
      const ndcg10 = meanListNdcg(input.heldOut, (l) => input.model.score(l.features, l.count));
      const ndcg10Fused = meanListNdcg(input.heldOut, fusedOrderScores);
      checks.heldout_judgments = {
        queries: input.heldOut.length,
        ndcg10,
        ndcg10_fused: ndcg10Fused,
        passed: ndcg10 + 1e-9 >= ndcg10Fused,
      };
      if (!checks.heldout_judgments.passed)
        reasons.push(
          `held-out judged NDCG@10 ${ndcg10.toFixed(4)} is below the fused order's ${ndcg10Fused.toFixed(4)}`,
        );
    }
    if (input.judged) {
      const judged = judgmentCheck(
        input.judged.lists.filter((l) => l.segment === segment),
        input.judged.judgments,
        input.model,
        input.maxPosition,
        settings.judgmentTolerance,
      );
      checks.judgments = judged;
      if (judged.queries > 0 && !judged.passed)
        reasons.push(
          `human-judged NDCG@10 ${judged.ndcg10.toFixed(4)} is below the fused order's ` +
            `${judged.ndcg10_fused.toFixed(4)} on ${judged.queries} judged queries (${input.judged.source})`,
        );
    }
    segments[segment] = { serve: reasons.length === 0, reasons, checks };
  }
  return {
    settings: {
      judgment_tolerance: settings.judgmentTolerance,
      confidence: settings.confidence,
      min_fused_agreement: settings.minFusedAgreement,
      min_lists: settings.minLists,
    },
    ...(input.judged && { judgments: input.judged.source }),
    segments,
  };
}
