/**
 * Position bias from click logs. Shoppers click what they look at, and they look at the
 * top more than the bottom, so raw clicks overrate whatever was ranked high. The position
 * based model says P(click) = P(examined | position) * P(relevant | query, product), and
 * training weights each click by the inverse of its position's examination probability.
 *
 * The examination curve is measured from interventions (ranking/interventions.ts): in the
 * randomized share of searches pairs of positions were swapped at random, so within a pair
 * both positions hold products of the same expected relevance and the ratio of their
 * clicks is the ratio of their examination probabilities. Every randomized pair is one
 * noisy measurement of log p(j) - log p(i); the curve is their weighted least-squares
 * solution (each weighted by the inverse variance of its log ratio), made non-increasing
 * by weighted isotonic regression (ADR 0015). Swap-to-top pairs measure each rank against
 * rank 1 directly; adjacent pairs alone leave a chain whose errors add up down the list.
 * Deeper positions follow the power law fitted to the measured ones.
 *
 * Without enough randomized clicks the curve falls back to an EM fit of the position-based
 * model over all logged impressions (Wang et al., "Position Bias Estimation for Unbiased
 * Learning to Rank in Personal Search", 2018). That fit is only identified where the same
 * product was shown at several positions for the same query; a ranker that always serves
 * one order leaves it to its starting point (it read 0.85 at position 2 against a true 0.5
 * on the simulator), which is why the randomized share exists.
 */
import type { PairClicks } from './pair-clicks.ts';
export interface PositionObservation {
  /** Identifies the query-product pair across impressions. */
  pair: string;
  position: number;
  clicked: boolean;
}

export const MAX_PROPENSITY_POSITION = 30;
const MIN_PROPENSITY = 0.05;
export const MAX_INVERSE_PROPENSITY = 20;

/** Examination probability per position (index 0 = position 1), normalized so position 1 is 1. */
export function estimatePropensities(
  observations: readonly PositionObservation[],
  iterations = 40,
): number[] {
  const positions = MAX_PROPENSITY_POSITION;
  const slot = (p: number) => Math.min(Math.max(p, 1), positions) - 1;
  let examine = Array.from({ length: positions }, (_, k) => 1 / Math.sqrt(k + 1));
  const relevance = new Map<string, number>();
  for (const o of observations) relevance.set(o.pair, 0.5);
  for (let it = 0; it < iterations; it++) {
    const examinedSum = new Float64Array(positions);
    const seen = new Float64Array(positions);
    const relevantSum = new Map<string, number>();
    const pairSeen = new Map<string, number>();
    for (const o of observations) {
      const k = slot(o.position);
      const theta = examine[k]!;
      const gamma = relevance.get(o.pair)!;
      let pExamined = 1;
      let pRelevant = 1;
      if (!o.clicked) {
        const notClicked = Math.max(1e-9, 1 - theta * gamma);
        pExamined = (theta * (1 - gamma)) / notClicked;
        pRelevant = ((1 - theta) * gamma) / notClicked;
      }
      examinedSum[k]! += pExamined;
      seen[k]!++;
      relevantSum.set(o.pair, (relevantSum.get(o.pair) ?? 0) + pRelevant);
      pairSeen.set(o.pair, (pairSeen.get(o.pair) ?? 0) + 1);
    }
    examine = examine.map((previous, k) => (seen[k]! > 0 ? examinedSum[k]! / seen[k]! : previous));
    for (const [pair, sum] of relevantSum) relevance.set(pair, sum / pairSeen.get(pair)!);
  }
  const top = examine[0]! > 0 ? examine[0]! : 1;
  const normalized = examine.map((theta) => Math.min(1, Math.max(MIN_PROPENSITY, theta / top)));
  // Examination does not rise further down the list: smooth out noise from sparse positions.
  for (let k = 1; k < normalized.length; k++) normalized[k] = Math.min(normalized[k]!, normalized[k - 1]!);
  return normalized;
}

export function inversePropensity(propensities: readonly number[], position: number): number {
  const theta = propensities[Math.min(Math.max(position, 1), propensities.length) - 1] ?? MIN_PROPENSITY;
  return Math.min(MAX_INVERSE_PROPENSITY, 1 / theta);
}

export interface PropensityEstimate {
  /**
   * `randomized_pairs`: measured from the randomized share, all pairs pooled;
   * `adjacent_pairs`: the chained ratios of models trained before ADR 0015; `em`: fitted
   * on all logs (too few interventions).
   */
  method: 'randomized_pairs' | 'adjacent_pairs' | 'em';
  /** Examination probability per position (index 0 = position 1 = 1). */
  propensities: number[];
  /** Randomized searches and the clicks within their randomized pairs that the measure rests on. */
  randomizedSearches: number;
  interventionClicks: number;
  /** How deep the pairs went (positions beyond follow the fitted power law). */
  depth: number;
  /** The fitted power law p(k) = k^-eta. */
  eta: number;
}

/** Clicks inside randomized pairs below which the measured curve is not trusted. */
export const MIN_INTERVENTION_CLICKS = 100;

/**
 * The examination curve from the clicks at the upper and lower position of every randomized
 * pair, falling back to EM over `observations` when the interventions hold fewer than
 * MIN_INTERVENTION_CLICKS clicks.
 */
export function estimatePropensitiesFromInterventions(
  pairs: PairClicks,
  observations: readonly PositionObservation[],
): PropensityEstimate {
  const positions = MAX_PROPENSITY_POSITION;
  if (pairs.clicks < MIN_INTERVENTION_CLICKS) {
    const propensities = estimatePropensities(observations);
    return {
      method: 'em',
      propensities,
      randomizedSearches: pairs.searches,
      interventionClicks: pairs.clicks,
      depth: 0,
      eta: fitPowerLaw(propensities.slice(0, 10)),
    };
  }
  const measured = pooledPairPropensities(pairs);
  const eta = fitPowerLaw(measured);
  const curve = Array.from({ length: positions }, (_, k) =>
    k < measured.length ? measured[k]! : measured.at(-1)! * (measured.length / (k + 1)) ** eta,
  );
  const clamped = curve.map((theta) => Math.min(1, Math.max(MIN_PROPENSITY, theta)));
  for (let k = 1; k < clamped.length; k++) clamped[k] = Math.min(clamped[k]!, clamped[k - 1]!);
  return {
    method: 'randomized_pairs',
    propensities: clamped,
    randomizedSearches: pairs.searches,
    interventionClicks: pairs.clicks,
    depth: measured.length,
    eta,
  };
}

/** Pseudo-clicks added to each side of a pair, the lower side scaled by the 1/rank prior ratio. */
const PRIOR_CLICKS = 1;
/** Weight pulling a position no pair reaches towards the 1/rank prior (far below any measurement's). */
const RIDGE = 1e-3;

/**
 * p(1..depth) from the clicks of every randomized pair: each pair (i, j) says
 * log p(j) - log p(i) = log(clicks(j) / clicks(i)) with variance about
 * 1 / clicks(i) + 1 / clicks(j); the weighted least-squares solution with p(1) = 1, then
 * the weighted isotonic (non-increasing) fit of it, weighted by each position's information.
 */
export function pooledPairPropensities(pairs: PairClicks): number[] {
  const tallies = [...pairs.pairs.values()].filter((t) => t.lower > t.upper && t.upper >= 1);
  const depth = Math.min(MAX_PROPENSITY_POSITION, Math.max(1, ...tallies.map((t) => t.lower)));
  if (depth < 2) return [1];
  // Unknowns x(2..depth) = log p; x(1) = 0. Normal equations A x = b.
  const n = depth - 1;
  const a = Array.from({ length: n }, () => new Float64Array(n));
  const b = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    a[k]![k]! += RIDGE;
    b[k]! += RIDGE * -Math.log(k + 2);
  }
  for (const t of tallies) {
    if (t.lower > depth) continue;
    const prior = (PRIOR_CLICKS * t.upper) / t.lower;
    const upperClicks = t.upperClicks + PRIOR_CLICKS;
    const lowerClicks = t.lowerClicks + prior;
    const y = Math.log(lowerClicks / upperClicks);
    const w = 1 / (1 / upperClicks + 1 / lowerClicks);
    const i = t.upper - 2; // -1 is position 1, fixed
    const j = t.lower - 2;
    a[j]![j]! += w;
    b[j]! += w * y;
    if (i >= 0) {
      a[i]![i]! += w;
      b[i]! -= w * y;
      a[i]![j]! -= w;
      a[j]![i]! -= w;
    }
  }
  const information = [Number.POSITIVE_INFINITY, ...a.map((row, k) => row[k]!)];
  const logs = [0, ...solveSymmetric(a, b)];
  return nonIncreasing(logs, information).map((x) => Math.min(1, Math.exp(x)));
}

/** Gaussian elimination with partial pivoting (n is at most 29). */
function solveSymmetric(matrix: Float64Array[], rhs: Float64Array): number[] {
  const n = rhs.length;
  const m = matrix.map((row) => Float64Array.from(row));
  const v = Float64Array.from(rhs);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    [v[col], v[pivot]] = [v[pivot]!, v[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = m[r]![col]! / m[col]![col]!;
      if (f === 0) continue;
      for (let c = col; c < n; c++) m[r]![c]! -= f * m[col]![c]!;
      v[r]! -= f * v[col]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = v[r]!;
    for (let c = r + 1; c < n; c++) sum -= m[r]![c]! * x[c]!;
    x[r] = sum / m[r]![r]!;
  }
  return x;
}

/** Weighted isotonic regression to a non-increasing sequence (pool adjacent violators). */
export function nonIncreasing(values: readonly number[], weights: readonly number[]): number[] {
  const blocks: { value: number; weight: number; size: number }[] = [];
  values.forEach((value, k) => {
    blocks.push({ value, weight: weights[k]!, size: 1 });
    while (blocks.length > 1 && blocks.at(-2)!.value < blocks.at(-1)!.value) {
      const last = blocks.pop()!;
      const previous = blocks.at(-1)!;
      const weight = previous.weight + last.weight;
      previous.value = Number.isFinite(previous.weight)
        ? (previous.value * previous.weight + last.value * last.weight) / weight
        : previous.value;
      previous.weight = weight;
      previous.size += last.size;
    }
  });
  return blocks.flatMap((block) => Array.from({ length: block.size }, () => block.value));
}

/** Least-squares eta of p(k) = k^-eta through the given curve (position 1 = 1). */
export function fitPowerLaw(curve: readonly number[]): number {
  let numerator = 0;
  let denominator = 0;
  curve.forEach((theta, k) => {
    if (k === 0 || theta <= 0) return;
    const x = Math.log(k + 1);
    numerator += -Math.log(theta) * x;
    denominator += x * x;
  });
  return denominator > 0 ? Math.max(0, numerator / denominator) : 1;
}
