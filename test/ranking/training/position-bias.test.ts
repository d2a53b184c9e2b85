import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../../src/backends/embedded/event-store.ts';
import { seededRandom } from '../../../src/ml/seeded-random.ts';
import { type RandomizationMethod, randomizeSearch } from '../../../src/ranking/interventions.ts';
import type { PairClicks } from '../../../src/ranking/training/pair-clicks.ts';
import {
  estimatePropensities,
  inversePropensity,
  nonIncreasing,
  pooledPairPropensities,
} from '../../../src/ranking/training/position-bias.ts';
import { listsFromEvents } from '../../../src/ranking/training/training-lists.ts';
import type { StoredEvent } from '../../../src/users/events.ts';
import { temporaryDirectory } from '../../helpers/runtime.ts';

describe('position bias estimation (EM on the position-based click model)', () => {
  it('recovers the examination curve that generated the clicks', () => {
    const random = seededRandom(11);
    const truth = (position: number) => 1 / position ** 0.8;
    const observations = [];
    // 300 query-product pairs with hidden relevance, each shown many times at shuffled positions.
    for (let pair = 0; pair < 500; pair++) {
      const relevance = random();
      for (let shown = 0; shown < 80; shown++) {
        const position = 1 + Math.floor(random() * 10);
        observations.push({ pair: `p${pair}`, position, clicked: random() < truth(position) * relevance });
      }
    }
    const estimated = estimatePropensities(observations);
    for (const position of [1, 2, 3, 5, 8, 10]) {
      expect(estimated[position - 1]).toBeCloseTo(truth(position), 1);
    }
    expect(inversePropensity(estimated, 1)).toBe(1);
    expect(inversePropensity(estimated, 10)).toBeGreaterThan(4);
  });
});

describe('position bias measured from the randomized share', () => {
  /**
   * A deterministic ranker over 300 queries (each always served the same 20 products,
   * better ones higher), 10,000 searches, a share of them randomized as serving does, and
   * position-based clicks with examination 1 / position.
   */
  async function logged(share: number, searches = 10_000, method: RandomizationMethod = 'random_pairs') {
    const store = new SqliteEventStore(path.join(temporaryDirectory(), 'events.db'));
    const random = seededRandom(3);
    const rankings = Array.from({ length: 300 }, (_, q) =>
      Array.from({ length: 20 }, (_, r) => ({
        id: `q${q}-p${r}`,
        attraction: 0.6 * random() ** (1 + r / 5),
      })),
    );
    const events: StoredEvent[] = [];
    for (let s = 0; s < searches; s++) {
      const q = Math.floor(random() * rankings.length);
      const queryId = `search-${s}`;
      const served = randomizeSearch(queryId, rankings[q]!, { share, depth: 10, method });
      const shown = served?.items ?? rankings[q]!;
      store.recordImpression({
        queryId,
        query: `query ${q}`,
        timestamp: s,
        ...(served && { intervention: served.intervention }),
        items: shown.map((p, i) => ({ productId: p.id, position: i + 1 })),
      });
      shown.forEach((p, i) => {
        if (random() < 1 / (i + 1) && random() < p.attraction)
          events.push({
            eventId: `${queryId}-${i}`,
            type: 'click',
            queryId,
            productId: p.id,
            position: i + 1,
            sessionId: 's',
            timestamp: s,
          });
      });
    }
    await store.appendEvents(events);
    const lists = await listsFromEvents(store, 0);
    await store.close();
    return lists;
  }

  const maxError = (propensities: readonly number[]) =>
    Math.max(...Array.from({ length: 10 }, (_, k) => Math.abs(propensities[k]! - 1 / (k + 1))));

  it('matches the true examination curve within 0.1 at positions 1-10 (random pairs)', async () => {
    const { propensity, propensities } = await logged(0.2);
    expect(propensity.method).toBe('randomized_pairs');
    expect(propensity.randomizedSearches).toBeGreaterThan(1500);
    expect(propensity.depth).toBe(10);
    for (let position = 1; position <= 10; position++)
      expect(Math.abs(propensities[position - 1]! - 1 / position), `position ${position}`).toBeLessThan(0.1);
    expect(propensity.eta).toBeGreaterThan(0.8);
    expect(propensity.eta).toBeLessThan(1.2);
  }, 60_000);

  it('pools adjacent pairs too (logs randomized the FairPairs way)', async () => {
    const { propensity, propensities } = await logged(0.2, 10_000, 'adjacent_pairs');
    expect(propensity.method).toBe('randomized_pairs');
    expect(propensity.depth).toBe(10);
    expect(maxError(propensities)).toBeLessThan(0.1);
  }, 60_000);

  function tallies(pairs: [number, number, number, number][]): PairClicks {
    const map = new Map(
      pairs.map(([upper, lower, upperClicks, lowerClicks]) => [
        `${upper}:${lower}`,
        { upper, lower, upperClicks, lowerClicks, searches: upperClicks + lowerClicks },
      ]),
    );
    return { pairs: map, searches: 0, clicks: 0 };
  }

  it('solves all pairs jointly: exact ratios give the curve back, and direct pairs outweigh a noisy chain', () => {
    const exact = pooledPairPropensities(
      tallies(Array.from({ length: 9 }, (_, i) => [1, i + 2, 100_000, 100_000 / (i + 2)])),
    );
    for (const [k, p] of exact.entries()) expect(p).toBeCloseTo(1 / (k + 1), 3);
    // The chain (2,3) says rank 3 is as examined as rank 2; well-measured (1,k) pairs say otherwise.
    const mixed = pooledPairPropensities(
      tallies([
        [1, 2, 4000, 2000],
        [1, 3, 3000, 1000],
        [2, 3, 20, 20],
      ]),
    );
    expect(mixed[1]).toBeCloseTo(0.5, 1);
    expect(mixed[2]).toBeCloseTo(1 / 3, 1);
    expect(mixed[2]!).toBeLessThan(mixed[1]!);
  });

  it('makes the curve non-increasing by weighted pooling, keeping position 1 at 1', () => {
    expect(nonIncreasing([0, -0.7, -0.5, -1.4], [Number.POSITIVE_INFINITY, 1, 3, 2])).toEqual([
      0, -0.55, -0.55, -1.4,
    ]);
    expect(nonIncreasing([0, 0.2, -1], [Number.POSITIVE_INFINITY, 5, 1])).toEqual([0, 0, -1]);
  });

  it('falls back to EM over all logs without interventions, and says so', async () => {
    const { propensity, propensities } = await logged(0, 2_000);
    expect(propensity).toMatchObject({ method: 'em', randomizedSearches: 0, interventionClicks: 0 });
    expect(propensities[0]).toBe(1);
    for (let k = 1; k < propensities.length; k++)
      expect(propensities[k]).toBeLessThanOrEqual(propensities[k - 1]!);
  }, 60_000);
});
