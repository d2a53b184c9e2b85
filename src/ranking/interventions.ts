/**
 * A harmless randomization of a small share of searches, from which position bias can be
 * measured instead of guessed (ADR 0009). In a randomized search the top `depth` results
 * are cut into adjacent pairs, (1,2) (3,4) ... or (2,3) (4,5) ..., and each pair is
 * swapped with probability 1/2 (FairPairs, Radlinski and Joachims 2006). Within such a
 * pair each of the two products is equally likely at either position, whatever their
 * relevance, so the clicks at the upper and at the lower position of the pair differ only
 * by how often shoppers look there: clicks(k + 1) / clicks(k) estimates the examination
 * ratio p(k + 1) / p(k) (position-bias.ts). A product moves at most one place, and only
 * within a pair that retrieval (or the model) already ranked next to each other.
 *
 * Whether a search is randomized, and how, is drawn from its query id, so a logged
 * intervention can be replayed and tests are reproducible.
 */
import { createHash } from 'node:crypto';
import { seededRandom } from '../ml/seeded-random.ts';
import type { Intervention } from '../users/events.ts';

export interface RandomizationSettings {
  /** Share of searches randomized (0 turns it off). */
  share: number;
  /** Positions 1..depth take part. */
  depth: number;
}

function randomFor(queryId: string): () => number {
  return seededRandom(createHash('sha256').update(queryId).digest().readUInt32BE(0));
}

/**
 * The served order of one search with its pairs randomized, or undefined when the search
 * is not drawn into the randomized share.
 */
export function randomizeAdjacentPairs<T>(
  queryId: string,
  items: readonly T[],
  settings: RandomizationSettings,
): { items: T[]; intervention: Intervention } | undefined {
  if (settings.share <= 0) return undefined;
  const random = randomFor(queryId);
  if (random() >= settings.share) return undefined;
  const offset: 0 | 1 = random() < 0.5 ? 0 : 1;
  const last = Math.min(settings.depth, items.length);
  const out = [...items];
  const swapped: number[] = [];
  for (let upper = offset + 1; upper + 1 <= last; upper += 2) {
    if (random() < 0.5) continue;
    [out[upper - 1], out[upper]] = [out[upper]!, out[upper - 1]!];
    swapped.push(upper);
  }
  return { items: out, intervention: { kind: 'adjacent_pairs', depth: last, offset, swapped } };
}

/** The upper positions of the pairs an intervention randomized (swapped or not). */
export function randomizedPairs(intervention: Intervention): number[] {
  const pairs: number[] = [];
  for (let upper = intervention.offset + 1; upper + 1 <= intervention.depth; upper += 2) pairs.push(upper);
  return pairs;
}
