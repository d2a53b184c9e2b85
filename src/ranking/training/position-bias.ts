/**
 * Position bias from click logs. Shoppers click what they look at, and they look at the
 * top more than the bottom, so raw clicks overrate whatever was ranked high. The position
 * based model says P(click) = P(examined | position) * P(relevant | query, product), and
 * training weights each click by the inverse of its position's examination probability.
 *
 * The examination curve is measured from interventions (ranking/interventions.ts): in the
 * randomized share of searches adjacent pairs were swapped at random, so within a pair
 * both positions hold products of the same expected relevance and the ratio of their
 * clicks is the ratio of their examination probabilities. The ratios chain from position 1
 * down to the randomized depth; deeper positions follow the power law fitted to them.
 *
 * Without enough randomized clicks the curve falls back to an EM fit of the position-based
 * model over all logged impressions (Wang et al., "Position Bias Estimation for Unbiased
 * Learning to Rank in Personal Search", 2018). That fit is only identified where the same
 * product was shown at several positions for the same query; a ranker that always serves
 * one order leaves it to its starting point (it read 0.85 at position 2 against a true 0.5
 * on the simulator), which is why the randomized share exists.
 */
import { type PairClicks, pairClickRatios } from './pair-clicks.ts';
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
  /** `adjacent_pairs`: measured from the randomized share; `em`: fitted on all logs (too few interventions). */
  method: 'adjacent_pairs' | 'em';
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
  const ratios = pairClickRatios(pairs);
  const measured = [1];
  for (const ratio of ratios) measured.push(measured.at(-1)! * ratio);
  const eta = fitPowerLaw(measured);
  const curve = Array.from({ length: positions }, (_, k) =>
    k < measured.length ? measured[k]! : measured.at(-1)! * (measured.length / (k + 1)) ** eta,
  );
  const clamped = curve.map((theta) => Math.min(1, Math.max(MIN_PROPENSITY, theta)));
  for (let k = 1; k < clamped.length; k++) clamped[k] = Math.min(clamped[k]!, clamped[k - 1]!);
  return {
    method: 'adjacent_pairs',
    propensities: clamped,
    randomizedSearches: pairs.searches,
    interventionClicks: pairs.clicks,
    depth: measured.length,
    eta,
  };
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
