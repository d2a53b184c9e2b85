/**
 * Online ranking quality from shopper events over a sliding window: click-through rate
 * by position, mean reciprocal rank of the first click of a search, and purchases per
 * search. Searches and events land in one-minute buckets; the window is their sum, so a
 * scrape costs a few additions and memory stays bounded.
 */
import type { StoredEvent } from '../users/events.ts';

/** Positions reported separately; deeper ones are not labelled (bounded label values). */
export const TRACKED_POSITIONS = 10;
const BUCKET_MS = 60_000;
/** Searches remembered to join late events to them (and to find each search's first click). */
const MAX_OPEN_SEARCHES = 100_000;

interface Bucket {
  minute: number;
  searches: number;
  shown: Float64Array;
  clicks: Float64Array;
  searchesWithClick: number;
  reciprocalRankSum: number;
  purchases: number;
}

export interface OnlineQuality {
  searches: number;
  ctrByPosition: number[];
  meanReciprocalRank: number;
  purchasesPerSearch: number;
}

export class OnlineQualityTracker {
  private readonly buckets = new Map<number, Bucket>();
  /** query_id -> the minute of the search and whether a click was already counted. */
  private readonly open = new Map<string, { minute: number; clicked: boolean }>();

  constructor(readonly windowMinutes = 60) {}

  private bucket(minute: number): Bucket {
    let bucket = this.buckets.get(minute);
    if (!bucket) {
      bucket = {
        minute,
        searches: 0,
        shown: new Float64Array(TRACKED_POSITIONS),
        clicks: new Float64Array(TRACKED_POSITIONS),
        searchesWithClick: 0,
        reciprocalRankSum: 0,
        purchases: 0,
      };
      this.buckets.set(minute, bucket);
      this.prune(minute);
    }
    return bucket;
  }

  private prune(now: number): void {
    for (const minute of this.buckets.keys())
      if (minute <= now - this.windowMinutes) this.buckets.delete(minute);
    for (const [queryId, search] of this.open) {
      if (search.minute > now - this.windowMinutes && this.open.size <= MAX_OPEN_SEARCHES) break;
      this.open.delete(queryId); // insertion order is time order
    }
  }

  /** A search that showed `shown` hits from position `firstPosition` (1-based) on. */
  recordSearch(queryId: string, shown: number, at = Date.now(), firstPosition = 1): void {
    const minute = Math.floor(at / BUCKET_MS);
    const bucket = this.bucket(minute);
    bucket.searches++;
    const last = Math.min(firstPosition + shown - 1, TRACKED_POSITIONS);
    for (let position = firstPosition; position <= last; position++) bucket.shown[position - 1]!++;
    this.open.set(queryId, { minute, clicked: false });
  }

  /** Events joined to a search of the window, counted in that search's bucket. */
  recordEvents(events: readonly StoredEvent[]): void {
    for (const event of events) {
      const search = event.queryId ? this.open.get(event.queryId) : undefined;
      if (!search) continue;
      const bucket = this.buckets.get(search.minute);
      if (!bucket) continue;
      if (event.type === 'purchase') bucket.purchases++;
      if (event.type !== 'click' || event.position === undefined) continue;
      if (event.position <= TRACKED_POSITIONS) bucket.clicks[event.position - 1]!++;
      if (!search.clicked) {
        search.clicked = true;
        bucket.searchesWithClick++;
        bucket.reciprocalRankSum += 1 / event.position;
      }
    }
  }

  snapshot(at = Date.now()): OnlineQuality {
    this.prune(Math.floor(at / BUCKET_MS));
    const shown = new Float64Array(TRACKED_POSITIONS);
    const clicks = new Float64Array(TRACKED_POSITIONS);
    let searches = 0;
    let withClick = 0;
    let reciprocal = 0;
    let purchases = 0;
    for (const bucket of this.buckets.values()) {
      searches += bucket.searches;
      withClick += bucket.searchesWithClick;
      reciprocal += bucket.reciprocalRankSum;
      purchases += bucket.purchases;
      for (let p = 0; p < TRACKED_POSITIONS; p++) {
        shown[p]! += bucket.shown[p]!;
        clicks[p]! += bucket.clicks[p]!;
      }
    }
    return {
      searches,
      ctrByPosition: Array.from(shown, (n, p) => (n > 0 ? clicks[p]! / n : 0)),
      meanReciprocalRank: withClick > 0 ? reciprocal / withClick : 0,
      purchasesPerSearch: searches > 0 ? purchases / searches : 0,
    };
  }
}
