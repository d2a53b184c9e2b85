/**
 * Position bias from click logs. Shoppers click what they look at, and they look at the
 * top more than the bottom, so raw clicks overrate whatever was ranked high. The position
 * based model says P(click) = P(examined | position) * P(relevant | query, product); an EM
 * fit over logged impressions (Wang et al., "Position Bias Estimation for Unbiased Learning
 * to Rank in Personal Search", 2018) recovers the examination curve. Training then weights
 * each click by the inverse of its position's examination probability.
 */
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
