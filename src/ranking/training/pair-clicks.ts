/**
 * The clicks of the randomized share, tallied by pair of positions: for each pair (i, j)
 * an intervention randomized (1 and k for swap-to-top, k and k + 1 for adjacent pairs),
 * how many clicks its upper and its lower position got over all searches in which that
 * pair was randomized (swapped or not). Swapping with probability 1/2 puts products of the
 * same expected relevance at both positions, so E[lower] / E[upper] = p(j) / p(i), the
 * examination ratio (Radlinski and Joachims 2006; Joachims et al. 2017; Wang et al. 2018).
 */

import type { Intervention } from '../../users/events.ts';
import { randomizedPositionPairs } from '../interventions.ts';

export interface PairTally {
  upper: number;
  lower: number;
  upperClicks: number;
  lowerClicks: number;
  searches: number;
}

export interface PairClicks {
  /** Keyed `upper:lower`. */
  pairs: Map<string, PairTally>;
  searches: number;
  clicks: number;
}

export function emptyPairClicks(): PairClicks {
  return { pairs: new Map(), searches: 0, clicks: 0 };
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
  for (const [upper, lower] of randomizedPositionPairs(intervention)) {
    if (lower > shown) continue;
    const key = `${upper}:${lower}`;
    let tally = into.pairs.get(key);
    if (!tally) {
      tally = { upper, lower, upperClicks: 0, lowerClicks: 0, searches: 0 };
      into.pairs.set(key, tally);
    }
    tally.searches++;
    if (clicked.has(upper)) {
      tally.upperClicks++;
      into.clicks++;
    }
    if (clicked.has(lower)) {
      tally.lowerClicks++;
      into.clicks++;
    }
  }
}
