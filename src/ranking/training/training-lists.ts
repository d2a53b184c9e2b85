/**
 * Training lists for the ranker, from the two sources it learns from:
 * - logged sessions: each search's impression list with the feature values it was served
 *   with, labelled by the events on it (purchase 3, add_to_cart 2, click 1), clicks weighted
 *   by the inverse of their position's examination probability;
 * - judgment lists (query, product, relevance as in judgments-dev.csv): the query is run
 *   through retrieval and fusion exactly as serving does, and judged products get
 *   relevance - 1 as their label.
 */
import { createHash } from 'node:crypto';
import type { Judgments } from '../../eval/judgments.ts';
import { type EventStore, impressionsWithActions } from '../../users/event-store.ts';
import { eventLabel } from '../../users/profiles.ts';
import { FEATURE_COUNT } from '../features/feature-set.ts';
import type { JudgedList } from './gate.ts';
import { addRandomizedSearch, emptyPairClicks } from './pair-clicks.ts';
import {
  estimatePropensitiesFromInterventions,
  inversePropensity,
  type PositionObservation,
  type PropensityEstimate,
} from './position-bias.ts';
import type { RankingList } from './train-ranker.ts';

export interface KeyedList extends RankingList {
  /** What the held-out split is decided by (the query text). */
  key: string;
}

export interface EventLists {
  lists: KeyedList[];
  propensities: number[];
  /** How the propensities were measured, and from how much. */
  propensity: PropensityEstimate;
  /** The position 99% of the logged items are at or above: how deep the lists go. */
  depth: number;
  impressions: number;
  window?: { from: string; to: string };
}

/**
 * Deterministic split: about `share` of the keys go to the held-out side. A `salt` draws a
 * split independent of the unsalted one (a validation split inside a training side, which
 * the unsalted hash would leave empty).
 */
export function isHeldOut(key: string, share = 0.2, salt = ''): boolean {
  const hash = createHash('sha256').update(salt).update(key).digest();
  return hash.readUInt32BE(0) / 0x1_0000_0000 < share;
}

export function splitLists<T extends { key: string }>(
  lists: readonly T[],
  share = 0.2,
  salt = '',
): { train: T[]; heldOut: T[] } {
  const train: T[] = [];
  const heldOut: T[] = [];
  for (const list of lists) (isHeldOut(list.key, share, salt) ? heldOut : train).push(list);
  return { train, heldOut };
}

export async function listsFromEvents(store: EventStore, since: number): Promise<EventLists> {
  const observations: PositionObservation[] = [];
  const pairs = emptyPairClicks();
  const pending: {
    key: string;
    userHash?: string;
    items: { features: number[]; position: number; label: number }[];
  }[] = [];
  let impressions = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for await (const page of impressionsWithActions(store, since)) {
    for (const { impression, actions: labels } of page) {
      impressions++;
      first = Math.min(first, impression.timestamp);
      last = Math.max(last, impression.timestamp);
      const key = impression.query.trim().toLowerCase();
      const items: { features: number[]; position: number; label: number }[] = [];
      if (impression.intervention) {
        const clicked = new Set(
          impression.items
            .filter((item) => labels.get(item.productId)?.includes('click'))
            .map((item) => item.position),
        );
        addRandomizedSearch(pairs, impression.intervention, impression.items.length, clicked);
      }
      for (const item of impression.items) {
        const types = labels.get(item.productId) ?? [];
        observations.push({
          pair: `${key}\u0000${item.productId}`,
          position: item.position,
          clicked: types.length > 0,
        });
        if (item.features?.length === FEATURE_COUNT) {
          items.push({ features: item.features, position: item.position, label: eventLabel(types) });
        }
      }
      if (items.length > 1)
        pending.push({
          key: `${key}\u0000${impression.queryId}`,
          ...(impression.userHash && { userHash: impression.userHash }),
          items,
        });
    }
  }
  const propensity = estimatePropensitiesFromInterventions(pairs, observations);
  const { propensities } = propensity;
  const positions = pending.flatMap((list) => list.items.map((item) => item.position)).sort((a, b) => a - b);
  const depth = positions[Math.max(0, Math.ceil(positions.length * 0.99) - 1)] ?? 0;
  const lists = pending.map(({ key, userHash, items }): KeyedList => {
    const features = new Float32Array(items.length * FEATURE_COUNT);
    for (const [i, item] of items.entries()) features.set(item.features, i * FEATURE_COUNT);
    return {
      key,
      ...(userHash && { userHash }),
      count: items.length,
      features,
      labels: Float32Array.from(items, (item) => item.label),
      weights: Float32Array.from(items, (item) =>
        item.label > 0 ? inversePropensity(propensities, item.position) : 1,
      ),
    };
  });
  return {
    lists,
    propensities,
    propensity,
    depth,
    impressions,
    ...(impressions > 0 && {
      window: { from: new Date(first).toISOString(), to: new Date(last).toISOString() },
    }),
  };
}

/**
 * A query's fused candidates (ids in fused order) and the serving features of the top
 * `count`, for an anonymous shopper and, in `forShoppers`, for each of the given shoppers
 * (by the hash logged searches carry).
 */
export type JudgedCandidates = (
  query: string,
  userHashes?: readonly string[],
) => Promise<{ ids: string[]; features: Float32Array; count: number; forShoppers?: Float32Array[] }>;

/** Runs each judged query through retrieval as serving does and labels the candidates. */
export async function listsFromJudgments(
  candidates: JudgedCandidates,
  judgments: Judgments,
  onQuery?: (done: number, total: number) => void,
): Promise<KeyedList[]> {
  const lists: KeyedList[] = [];
  let done = 0;
  for (const [query, relevance] of judgments) {
    const { ids, features, count } = await candidates(query);
    onQuery?.(++done, judgments.size);
    if (count < 2) continue;
    const labels = Float32Array.from(ids.slice(0, count), (id) => Math.max(0, (relevance.get(id) ?? 1) - 1));
    lists.push({ key: query.trim().toLowerCase(), count, features: features.slice(), labels });
  }
  return lists;
}

/**
 * The shop's judged queries as the gate replays them: each run through retrieval as
 * serving does, once anonymously (shoppers without history) and once with the profile of
 * a shopper with history, taken in turn from `withHistory`. At most `max` queries, a sample
 * fixed by a hash of the query text.
 */
export async function judgedListsForGate(
  candidates: JudgedCandidates,
  judgments: Judgments,
  withHistory: readonly string[],
  max: number,
): Promise<JudgedList[]> {
  const queries = [...judgments.keys()]
    .map((query) => ({ query, order: createHash('sha256').update(query).digest().readUInt32BE(0) }))
    .sort((a, b) => a.order - b.order)
    .slice(0, max)
    .map((q) => q.query);
  const lists: JudgedList[] = [];
  for (const [i, query] of queries.entries()) {
    const shopper = withHistory.length > 0 ? withHistory[i % withHistory.length]! : undefined;
    const { ids, features, count, forShoppers } = await candidates(query, shopper ? [shopper] : []);
    if (count < 2) continue;
    lists.push({ query, segment: 'without_history', ids, features: features.slice(), count });
    const personal = forShoppers?.[0];
    if (personal) lists.push({ query, segment: 'with_history', ids, features: personal.slice(), count });
  }
  return lists;
}
