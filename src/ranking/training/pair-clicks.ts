/**
 * The clicks of the randomized share, tallied by pair: for each adjacent pair (k, k + 1),
 * how many clicks its upper and its lower position got over all searches in which that
 * pair was randomized (swapped or not). Swapping each pair with probability 1/2 puts
 * products of the same expected relevance at both positions, so
 * E[lower] / E[upper] = p(k + 1) / p(k), the examination ratio (Radlinski and Joachims,
 * "Minimally Invasive Randomization for Collecting Unbiased Preferences from Clickthrough
 * Logs", 2006; the swap estimator of Joachims et al. 2017 in its pairwise form).
 */

import type { Intervention } from '../../users/events.ts';
import { randomizedPairs } from '../interventions.ts';

export interface PairClicks {
  /** Index k - 1: clicks at the upper (k) and the lower (k + 1) position of pair (k, k + 1). */
  upper: number[];
  lower: number[];
  searches: number;
  clicks: number;
}

/** Pseudo-clicks of prior ratio k / (k + 1) added to each pair: a pair without clicks reads as 1/k. */
const PRIOR_CLICKS = 1;

export function emptyPairClicks(): PairClicks {
  return { upper: [], lower: [], searches: 0, clicks: 0 };
}

/**
 * Adds one randomized search: `shown` results were on the page, and `clicked` holds the
 * positions that got a click. Pairs reaching below the page are left out.
 */
export function addRandomizedSearch(
  into: PairClicks,
  intervention: Intervention,
  shown: number,
  clicked: ReadonlySet<number>,
): void {
  into.searches++;
  for (const upper of randomizedPairs(intervention)) {
    if (upper + 1 > shown) break;
    const i = upper - 1;
    while (into.upper.length <= i) {
      into.upper.push(0);
      into.lower.push(0);
    }
    if (clicked.has(upper)) {
      into.upper[i]!++;
      into.clicks++;
    }
    if (clicked.has(upper + 1)) {
      into.lower[i]!++;
      into.clicks++;
    }
  }
}

/** p(k + 1) / p(k) for k = 1 .. the deepest pair, each at most 1 (examination does not rise). */
export function pairClickRatios(pairs: PairClicks): number[] {
  return pairs.upper.map((upper, i) => {
    const prior = (i + 1) / (i + 2);
    return Math.min(1, (pairs.lower[i]! + PRIOR_CLICKS * prior) / (upper + PRIOR_CLICKS));
  });
}
