/**
 * The online ranking-quality tracker, with every expected value worked out by hand:
 * click-through rate by position, mean reciprocal rank of each search's first click,
 * purchases per search, and the sliding window of one-minute buckets.
 */
import { describe, expect, it } from 'vitest';
import { OnlineQualityTracker, TRACKED_POSITIONS } from '../../src/metrics/online-quality.ts';
import type { EventType, StoredEvent } from '../../src/users/events.ts';

const MINUTE = 60_000;
/** A minute boundary, so `T0 + n * MINUTE` lands in the n-th bucket after it. */
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

let nextEvent = 0;
function event(type: EventType, queryId: string | undefined, position?: number, at = T0): StoredEvent {
  nextEvent++;
  return {
    eventId: `e${nextEvent}`,
    type,
    productId: `p${nextEvent}`,
    timestamp: at,
    sessionId: 's1',
    ...(queryId !== undefined && { queryId }),
    ...(position !== undefined && { position }),
  };
}
const click = (queryId: string, position?: number, at = T0) => event('click', queryId, position, at);
const purchase = (queryId: string, at = T0) => event('purchase', queryId, undefined, at);

/** The expected CTR vector: zeros except the given positions (1-based). */
function ctr(values: Record<number, number>): number[] {
  return Array.from({ length: TRACKED_POSITIONS }, (_, p) => values[p + 1] ?? 0);
}

describe('OnlineQualityTracker', () => {
  it('reports zeros, not NaN, before any search', () => {
    const snapshot = new OnlineQualityTracker().snapshot(T0);
    expect(snapshot).toEqual({
      searches: 0,
      ctrByPosition: ctr({}),
      meanReciprocalRank: 0,
      purchasesPerSearch: 0,
    });
    expect(snapshot.ctrByPosition).toHaveLength(10);
  });

  it('gives a click at rank 1 an MRR of 1, and a click at rank 5 pulls it to (1 + 1/5) / 2', () => {
    const tracker = new OnlineQualityTracker();
    tracker.recordSearch('a', 10, T0);
    tracker.recordSearch('b', 10, T0);
    tracker.recordEvents([click('a', 1)]);
    expect(tracker.snapshot(T0).meanReciprocalRank).toBe(1);
    tracker.recordEvents([click('b', 5)]);
    expect(tracker.snapshot(T0).meanReciprocalRank).toBeCloseTo(0.6, 12);
  });

  it('counts only the first click of a search in MRR, also across batches, and ignores searches without a click', () => {
    const tracker = new OnlineQualityTracker();
    tracker.recordSearch('a', 10, T0);
    tracker.recordSearch('b', 10, T0);
    tracker.recordSearch('no-click', 10, T0);
    // a: first click at 2, then 1 in the same batch; b: first click at 4, then 1 in a later batch.
    tracker.recordEvents([click('a', 2), click('a', 1), click('b', 4)]);
    tracker.recordEvents([click('b', 1)]);
    const snapshot = tracker.snapshot(T0);
    // (1/2 + 1/4) / 2 searches with a click; the click-less search is not in the denominator.
    expect(snapshot.meanReciprocalRank).toBeCloseTo(0.375, 12);
    // Every click still counts for CTR: position 1 clicked in a and b (2 of 3 searches showed it).
    expect(snapshot.ctrByPosition).toEqual(ctr({ 1: 2 / 3, 2: 1 / 3, 4: 1 / 3 }));
  });

  it('divides clicks at each position by the searches that showed that position', () => {
    const tracker = new OnlineQualityTracker();
    tracker.recordSearch('three', 3, T0); // shows positions 1-3
    tracker.recordSearch('many', 25, T0); // shows 1-10 as far as tracking goes
    tracker.recordSearch('one', 1, T0); // shows position 1
    tracker.recordSearch('none', 0, T0); // shows nothing
    tracker.recordEvents([click('three', 1), click('many', 1), click('many', 4), click('one', 1)]);
    const snapshot = tracker.snapshot(T0);
    // shown: p1 = 3, p2 = p3 = 2, p4..p10 = 1; clicks: p1 = 3, p4 = 1.
    expect(snapshot.ctrByPosition).toEqual(ctr({ 1: 1, 4: 1 }));
    expect(snapshot.searches).toBe(4);

    tracker.recordSearch('another', 2, T0); // p1 and p2 shown once more
    tracker.recordEvents([click('another', 2)]);
    expect(tracker.snapshot(T0).ctrByPosition).toEqual(ctr({ 1: 3 / 4, 2: 1 / 3, 4: 1 }));
  });

  it('counts the positions a later result page showed, not the first ones again', () => {
    const tracker = new OnlineQualityTracker();
    tracker.recordSearch('page-1', 5, T0, 1); // positions 1-5
    tracker.recordSearch('page-2', 5, T0, 6); // 6-10
    tracker.recordSearch('page-3', 5, T0, 11); // 11-15: none tracked
    tracker.recordEvents([click('page-2', 6), click('page-3', 12)]);
    let snapshot = tracker.snapshot(T0);
    expect(snapshot.searches).toBe(3);
    expect(snapshot.ctrByPosition).toEqual(ctr({ 6: 1 }));
    expect(snapshot.meanReciprocalRank).toBeCloseTo((1 / 6 + 1 / 12) / 2, 12);

    tracker.recordSearch('straddling', 4, T0, 8); // 8-11: 8, 9 and 10 tracked
    tracker.recordEvents([click('straddling', 9)]);
    snapshot = tracker.snapshot(T0);
    expect(snapshot.ctrByPosition).toEqual(ctr({ 6: 1, 9: 1 / 2 }));
    expect(snapshot.meanReciprocalRank).toBeCloseTo((1 / 6 + 1 / 12 + 1 / 9) / 3, 12);
  });

  it('counts a click below the tracked positions for MRR only', () => {
    const tracker = new OnlineQualityTracker();
    tracker.recordSearch('deep', 50, T0);
    tracker.recordEvents([click('deep', 20)]);
    const snapshot = tracker.snapshot(T0);
    expect(snapshot.meanReciprocalRank).toBeCloseTo(1 / 20, 12);
    expect(snapshot.ctrByPosition).toEqual(ctr({}));
  });

  it('ignores clicks without a position, events of unknown searches, and non-click events for clicks', () => {
    const tracker = new OnlineQualityTracker();
    tracker.recordSearch('a', 5, T0);
    tracker.recordEvents([
      click('a'), // no position: nothing to rank, and it does not use up the first click
      event('click', undefined, 1), // not joined to any search
      click('unknown-search', 1),
      event('impression', 'a', 1),
      event('add_to_cart', 'a', 1),
    ]);
    let snapshot = tracker.snapshot(T0);
    expect(snapshot.meanReciprocalRank).toBe(0);
    expect(snapshot.ctrByPosition).toEqual(ctr({}));
    expect(snapshot.purchasesPerSearch).toBe(0);

    tracker.recordEvents([click('a', 3)]);
    snapshot = tracker.snapshot(T0);
    expect(snapshot.meanReciprocalRank).toBeCloseTo(1 / 3, 12);
    expect(snapshot.ctrByPosition).toEqual(ctr({ 3: 1 }));
  });

  it('reports purchases joined to a search per search, over all searches of the window', () => {
    const tracker = new OnlineQualityTracker();
    for (const id of ['a', 'b', 'c', 'd']) tracker.recordSearch(id, 10, T0);
    tracker.recordEvents([
      purchase('a'),
      purchase('a'), // a second item bought from the same search counts too
      purchase('c'),
      purchase('unknown-search'),
      event('purchase', undefined),
    ]);
    const snapshot = tracker.snapshot(T0);
    expect(snapshot.purchasesPerSearch).toBeCloseTo(3 / 4, 12);
    // A purchase is not a click: no CTR, no MRR.
    expect(snapshot.meanReciprocalRank).toBe(0);
    expect(snapshot.ctrByPosition).toEqual(ctr({}));
  });

  it('counts events in the bucket of their search, whatever their own timestamp', () => {
    const tracker = new OnlineQualityTracker(60);
    tracker.recordSearch('early', 10, T0);
    tracker.recordSearch('late', 10, T0 + 30 * MINUTE);
    // Both clicks arrive (and are stamped) long after the searches.
    tracker.recordEvents([click('early', 1, T0 + 55 * MINUTE), click('late', 2, T0 + 55 * MINUTE)]);
    expect(tracker.snapshot(T0 + 59 * MINUTE)).toMatchObject({ searches: 2, meanReciprocalRank: 0.75 });
    // At minute 60 the early search's bucket leaves the window, taking its click along.
    expect(tracker.snapshot(T0 + 60 * MINUTE)).toMatchObject({ searches: 1, meanReciprocalRank: 0.5 });
    expect(tracker.snapshot(T0 + 60 * MINUTE).ctrByPosition).toEqual(ctr({ 2: 1 }));
    expect(tracker.snapshot(T0 + 90 * MINUTE)).toMatchObject({
      searches: 0,
      meanReciprocalRank: 0,
      purchasesPerSearch: 0,
    });
  });

  it('no longer joins events to a search that left the window', () => {
    const tracker = new OnlineQualityTracker(5);
    tracker.recordSearch('old', 10, T0);
    tracker.recordSearch('new', 10, T0 + 4 * MINUTE);
    expect(tracker.snapshot(T0 + 5 * MINUTE).searches).toBe(1); // window is (T0 + 0, T0 + 5]
    tracker.recordEvents([click('old', 1), click('new', 2)]);
    expect(tracker.snapshot(T0 + 5 * MINUTE)).toMatchObject({ searches: 1, meanReciprocalRank: 0.5 });
  });

  it('sums the buckets of the window', () => {
    const tracker = new OnlineQualityTracker(10);
    tracker.recordSearch('m0', 1, T0);
    tracker.recordSearch('m3', 1, T0 + 3 * MINUTE);
    tracker.recordSearch('m7', 1, T0 + 7 * MINUTE + 59_999);
    tracker.recordEvents([click('m0', 1), click('m7', 1), purchase('m3')]);
    const snapshot = tracker.snapshot(T0 + 9 * MINUTE);
    expect(snapshot.searches).toBe(3);
    expect(snapshot.ctrByPosition[0]).toBeCloseTo(2 / 3, 12);
    expect(snapshot.meanReciprocalRank).toBe(1);
    expect(snapshot.purchasesPerSearch).toBeCloseTo(1 / 3, 12);
  });

  it('keeps a bounded number of searches open for joining: the oldest is forgotten first', () => {
    const tracker = new OnlineQualityTracker();
    const searches = 100_001;
    for (let i = 0; i < searches; i++) tracker.recordSearch(`q${i}`, 1, T0);
    tracker.snapshot(T0); // pruning runs on a scrape
    tracker.recordEvents([click('q0', 1), click('q1', 1)]);
    const snapshot = tracker.snapshot(T0);
    expect(snapshot.searches).toBe(searches);
    expect(snapshot.ctrByPosition[0]).toBeCloseTo(1 / searches, 12); // only q1's click joined
    expect(snapshot.meanReciprocalRank).toBe(1);
  });
});
