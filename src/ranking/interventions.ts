/**
 * A harmless randomization of a small share of searches, from which position bias can be
 * measured instead of guessed (ADR 0009, ADR 0015). Two designs:
 * - `swap_to_top` (the default; RandPair, Wang et al. 2018): one position k is drawn from
 *   2..depth (with probability proportional to 1/k) and the products at 1 and k are
 *   swapped with probability 1/2. Either product
 *   is then equally likely at either place, so clicks(k) / clicks(1) over the searches that
 *   drew k estimates p(k) / p(1) directly, for every k, with no chain of ratios whose
 *   errors add up down the list.
 * - `adjacent_pairs` (FairPairs, Radlinski and Joachims 2006): the top `depth` results are
 *   cut into adjacent pairs, (1,2) (3,4) ... or (2,3) (4,5) ..., each swapped with
 *   probability 1/2. A product moves one place at most, but a rank's estimate is the
 *   product of all the ratios above it.
 * position-bias.ts pools the clicks of every randomized pair, of either design.
 *
 * Whether a search is randomized, and how, is drawn from its query id, so a logged
 * intervention can be replayed and tests are reproducible.
 */
import { createHash } from 'node:crypto';
import { seededRandom } from '../ml/seeded-random.ts';
import type { Intervention } from '../users/events.ts';

export type RandomizationMethod = Intervention['kind'];

export interface RandomizationSettings {
  /** Share of searches randomized (0 turns it off). */
  share: number;
  /** Positions 1..depth take part. */
  depth: number;
  /** Which design (default `random_pairs`). */
  method?: RandomizationMethod;
}

function randomFor(queryId: string): () => number {
  return seededRandom(createHash('sha256').update(queryId).digest().readUInt32BE(0));
}

/**
 * The served order of one search randomized, or undefined when the search is not drawn
 * into the randomized share.
 */
export function randomizeSearch<T>(
  queryId: string,
  items: readonly T[],
  settings: RandomizationSettings,
): { items: T[]; intervention: Intervention } | undefined {
  if (settings.share <= 0) return undefined;
  const random = randomFor(queryId);
  if (random() >= settings.share) return undefined;
  const last = Math.min(settings.depth, items.length);
  return (settings.method ?? 'random_pairs') === 'random_pairs'
    ? randomPairs(items, last, random)
    : swapAdjacentPairs(items, last, random);
}

/**
 * k in 2..last with probability proportional to 1/k: a swap with a near position is cheap
 * for the shopper, and where examination is high a click ratio needs more searches to
 * reach the same absolute error (about p(k) / sqrt(searches at k)).
 */
export function drawPosition(last: number, u: number): number {
  let total = 0;
  for (let k = 2; k <= last; k++) total += 1 / k;
  let threshold = u * total;
  for (let k = 2; k < last; k++) {
    threshold -= 1 / k;
    if (threshold < 0) return k;
  }
  return last;
}

function randomPairs<T>(items: readonly T[], last: number, random: () => number) {
  if (last < 2) return undefined;
  const top = drawPosition(last, random());
  const rest = Array.from({ length: last - 1 }, (_, i) => i + 2).filter((position) => position !== top);
  const pairs: { upper: number; lower: number; swapped: boolean }[] = [
    { upper: 1, lower: top, swapped: false },
  ];
  for (let i = 0; i + 1 < rest.length; i += 2)
    pairs.push({ upper: rest[i]!, lower: rest[i + 1]!, swapped: false });
  const out = [...items];
  for (const pair of pairs) {
    pair.swapped = random() < 0.5;
    if (pair.swapped)
      [out[pair.upper - 1], out[pair.lower - 1]] = [out[pair.lower - 1]!, out[pair.upper - 1]!];
  }
  return { items: out, intervention: { kind: 'random_pairs' as const, depth: last, pairs } };
}

function swapAdjacentPairs<T>(items: readonly T[], last: number, random: () => number) {
  const offset: 0 | 1 = random() < 0.5 ? 0 : 1;
  const out = [...items];
  const swapped: number[] = [];
  for (let upper = offset + 1; upper + 1 <= last; upper += 2) {
    if (random() < 0.5) continue;
    [out[upper - 1], out[upper]] = [out[upper]!, out[upper - 1]!];
    swapped.push(upper);
  }
  return { items: out, intervention: { kind: 'adjacent_pairs' as const, depth: last, offset, swapped } };
}

/** An adjacent-pairs randomization (kept for its tests and for replaying older logs). */
export function randomizeAdjacentPairs<T>(
  queryId: string,
  items: readonly T[],
  settings: Omit<RandomizationSettings, 'method'>,
): { items: T[]; intervention: Extract<Intervention, { kind: 'adjacent_pairs' }> } | undefined {
  const result = randomizeSearch(queryId, items, { ...settings, method: 'adjacent_pairs' });
  return result as
    | { items: T[]; intervention: Extract<Intervention, { kind: 'adjacent_pairs' }> }
    | undefined;
}

/** The upper positions of the adjacent pairs an intervention randomized (swapped or not). */
export function randomizedPairs(intervention: Intervention): number[] {
  if (intervention.kind !== 'adjacent_pairs') return [];
  const pairs: number[] = [];
  for (let upper = intervention.offset + 1; upper + 1 <= intervention.depth; upper += 2) pairs.push(upper);
  return pairs;
}

/** Every pair of positions (upper, lower) an intervention randomized, of either design. */
export function randomizedPositionPairs(intervention: Intervention): [number, number][] {
  if (intervention.kind === 'random_pairs')
    return intervention.pairs.map((pair): [number, number] => [pair.upper, pair.lower]);
  return randomizedPairs(intervention).map((upper) => [upper, upper + 1]);
}
