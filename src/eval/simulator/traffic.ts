/**
 * The traffic driver: simulated shoppers search the real HTTP API and act on what it
 * serves. Each shopper runs their sessions in order (so history builds up as it would);
 * a few shoppers run at once. Per session a shopper issues a few queries, the click model
 * decides clicks, carts and purchases on each result list, and the session's events go to
 * `POST /v1/events` in one batch when it ends, the way a page sends a beacon, so the
 * shopper's profile is up to date at their next session.
 *
 * Simulated time: the sessions spread over the `spanDays` before `startTime + span`, with
 * event timestamps advancing by browsing, dwell and think times. A run is reproducible for
 * a seed: every shopper's choices come from their own random stream, so the order in which
 * concurrent requests finish changes nothing (the service's query ids differ, of course).
 */

import { MAX_EVENTS_PER_REQUEST, type ShopperEvent } from '../../users/events.ts';
import { percentile } from '../ranking-metrics.ts';
import { type RunSearch, SearchApiClient } from './api-client.ts';
import { type ClickModelParameters, DEFAULT_CLICK_MODEL, decideActions } from './click-model.ts';
import { nextQuery, type SimulatedQuery } from './queries.ts';
import { type RelevanceOracle, titleRelevance } from './relevance.ts';
import { pickOne, type Random, randomStream, uniformBetween } from './sampling.ts';
import { createShoppers, preference, type Shopper } from './shoppers.ts';
import type { SimulationCatalog } from './simulation-catalog.ts';
import { forEachConcurrently } from './worker-pool.ts';

export interface TrafficOptions {
  /** The service, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** What shoppers' tastes and queries are drawn from (the catalog the service holds). */
  catalog: SimulationCatalog;
  shoppers: number;
  sessionsPerShopper: number;
  queriesPerSession: number;
  seed: number;
  /** Results per search (the page a shopper sees). */
  size: number;
  /** Shoppers simulated at once, hence searches in flight. */
  concurrency: number;
  /** Share of shoppers who are not signed in: they search with a session id only. */
  anonymousShare: number;
  /** Simulated days the sessions spread over. */
  spanDays: number;
  /** Epoch ms of the first simulated day; default: `spanDays` before now. */
  startTime?: number;
  clickModel: ClickModelParameters;
  /** How relevant a product truly is to a query: what clicks follow (relevance.ts). */
  relevance: RelevanceOracle;
  /**
   * Queries shoppers also type besides those from their own taste (e.g. the judged queries
   * of a data set), each search one of them with probability `share`.
   */
  queryPool?: { queries: readonly string[]; share: number };
  /** Prefix of the shoppers' user ids. */
  idPrefix: string;
  /** Called after every search, e.g. for a progress bar. */
  onSearch?: (done: number, total: number) => void;
}

export const DEFAULT_TRAFFIC: Omit<TrafficOptions, 'baseUrl' | 'catalog'> = {
  shoppers: 50,
  sessionsPerShopper: 3,
  queriesPerSession: 3,
  seed: 1,
  size: 20,
  concurrency: 4,
  anonymousShare: 0,
  spanDays: 14,
  clickModel: DEFAULT_CLICK_MODEL,
  relevance: titleRelevance,
  idPrefix: 'shopper',
};

export interface TrafficReport {
  shoppers: { total: number; signedIn: number; anonymous: number };
  sessions: number;
  searches: number;
  zeroResultSearches: number;
  /** Searches the learning-to-rank model reordered. */
  rerankedSearches: number;
  /** Products shown and products clicked, by the shopper's preference grade 0..3. */
  shownByGrade: number[];
  clicksByGrade: number[];
  events: { click: number; add_to_cart: number; purchase: number };
  /** Events the service stored anew, already had (same event_id), and rejected. */
  stored: { inserted: number; duplicates: number; rejected: number; errors: unknown[] };
  /** Clicks / impressions at positions 1..size. */
  ctrByPosition: number[];
  searchLatencyMs: { mean: number; p50: number; p95: number };
  simulatedPeriod: { from: string; to: string };
  elapsedSeconds: number;
  requests: number;
  requestsPerSecond: number;
  searchesPerSecond: number;
}

export interface TrafficResult {
  report: TrafficReport;
  shoppers: Shopper[];
  /** The signed-in shoppers: the ones who now have history in the service. */
  signedIn: Shopper[];
}

const DAY_MS = 86_400_000;
const MAX_STORED_ERRORS = 10;

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Whether a shopper searches signed in; fixed per shopper and seed. */
export function isSignedIn(shopper: Shopper, seed: number, anonymousShare: number): boolean {
  return randomStream(seed, 'signed-in', shopper.index)() >= anonymousShare;
}

class TrafficTally {
  sessions = 0;
  searches = 0;
  zeroResults = 0;
  reranked = 0;
  readonly shownByGrade = [0, 0, 0, 0];
  readonly clicksByGrade = [0, 0, 0, 0];
  readonly events = { click: 0, add_to_cart: 0, purchase: 0 };
  readonly stored = { inserted: 0, duplicates: 0, rejected: 0, errors: [] as unknown[] };
  readonly impressionsAt: number[];
  readonly clicksAt: number[];
  readonly latencies: number[] = [];
  firstEvent = Number.POSITIVE_INFINITY;
  lastEvent = Number.NEGATIVE_INFINITY;

  constructor(size: number) {
    this.impressionsAt = new Array(size).fill(0);
    this.clicksAt = new Array(size).fill(0);
  }
}

export async function simulateTraffic(
  options: Partial<TrafficOptions> & Pick<TrafficOptions, 'baseUrl' | 'catalog'>,
): Promise<TrafficResult> {
  const o: TrafficOptions = { ...DEFAULT_TRAFFIC, ...options };
  const started = performance.now();
  const client = new SearchApiClient(o.baseUrl);
  const shoppers = createShoppers(o.catalog, { count: o.shoppers, seed: o.seed, idPrefix: o.idPrefix });
  const signedIn = shoppers.filter((s) => isSignedIn(s, o.seed, o.anonymousShare));
  const signedInIds = new Set(signedIn.map((s) => s.userId));
  const spanMs = o.spanDays * DAY_MS;
  const startTime = o.startTime ?? Date.now() - spanMs;
  const tally = new TrafficTally(o.size);
  const totalSearches = o.shoppers * o.sessionsPerShopper * o.queriesPerSession;

  await forEachConcurrently(shoppers, o.concurrency, async (shopper) => {
    const random = randomStream(o.seed, 'traffic', shopper.index);
    const userId = signedInIds.has(shopper.userId) ? shopper.userId : undefined;
    const slotMs = spanMs / o.sessionsPerShopper;
    for (let s = 0; s < o.sessionsPerShopper; s++) {
      // Each session starts somewhere in its own slot of the span, so sessions never overlap.
      let clock = startTime + (s + uniformBetween(random, 0, 0.8)) * slotMs;
      const sessionId = `${shopper.userId}-${startTime.toString(36)}-${s}`;
      const events: ShopperEvent[] = [];
      for (let i = 0; i < o.queriesPerSession; i++) {
        const query = drawQuery(shopper, o, random);
        const results = await searchAndTally(client.search, tally, {
          q: query.q,
          size: o.size,
          sessionId,
          ...(userId && { userId }),
        });
        const shown = results.hits.map((hit, index) => ({ product: hit.product, position: index + 1 }));
        for (const item of shown) tally.shownByGrade[preference(shopper, item.product)]!++;
        const actions = decideActions(shopper, query.q, shown, random, o.clickModel, o.relevance);
        for (const action of actions) {
          const timestamp = Math.round(clock + action.delayMs);
          events.push({
            event_id: `${results.queryId}:${action.position}:${action.type}`,
            type: action.type,
            ...(userId && { user_id: userId }),
            session_id: sessionId,
            query_id: results.queryId,
            product_id: action.productId,
            position: action.position,
            timestamp: new Date(timestamp).toISOString(),
          });
          tally.events[action.type]++;
          if (action.type === 'click') {
            tally.clicksAt[action.position - 1]!++;
            tally.clicksByGrade[action.grade]!++;
          }
          tally.firstEvent = Math.min(tally.firstEvent, timestamp);
          tally.lastEvent = Math.max(tally.lastEvent, timestamp);
        }
        // Scanning the list, acting on it, then thinking about the next query.
        const busyMs = Math.max(shown.length * 1_500, actions.at(-1)?.delayMs ?? 0);
        clock += busyMs + uniformBetween(random, 20_000, 90_000);
        o.onSearch?.(tally.searches, totalSearches);
      }
      tally.sessions++;
      await sendEvents(client, tally, events);
    }
  });

  const seconds = (performance.now() - started) / 1000;
  const latencies = [...tally.latencies].sort((a, b) => a - b);
  const mean = latencies.reduce((sum, x) => sum + x, 0) / Math.max(1, latencies.length);
  const report: TrafficReport = {
    shoppers: {
      total: shoppers.length,
      signedIn: signedIn.length,
      anonymous: shoppers.length - signedIn.length,
    },
    sessions: tally.sessions,
    searches: tally.searches,
    zeroResultSearches: tally.zeroResults,
    rerankedSearches: tally.reranked,
    shownByGrade: tally.shownByGrade,
    clicksByGrade: tally.clicksByGrade,
    events: tally.events,
    stored: tally.stored,
    ctrByPosition: tally.impressionsAt.map((n, i) => (n > 0 ? round(tally.clicksAt[i]! / n, 4) : 0)),
    searchLatencyMs: {
      mean: round(mean, 2),
      p50: round(percentile(latencies, 50), 2),
      p95: round(percentile(latencies, 95), 2),
    },
    simulatedPeriod: {
      from: new Date(Number.isFinite(tally.firstEvent) ? tally.firstEvent : startTime).toISOString(),
      to: new Date(Number.isFinite(tally.lastEvent) ? tally.lastEvent : startTime).toISOString(),
    },
    elapsedSeconds: round(seconds, 2),
    requests: client.requests,
    requestsPerSecond: round(client.requests / seconds, 1),
    searchesPerSecond: round(tally.searches / seconds, 1),
  };
  return { report, shoppers, signedIn };
}

/** A query of the pool (a share of the time), else one from the shopper's taste. */
function drawQuery(shopper: Shopper, o: TrafficOptions, random: Random): SimulatedQuery {
  const pool = o.queryPool;
  if (pool && pool.queries.length > 0 && random() < pool.share)
    return { q: pickOne(random, pool.queries), intent: 'explore', sourceProductId: '' };
  return nextQuery(shopper, o.catalog, random);
}

async function searchAndTally(
  search: RunSearch,
  tally: TrafficTally,
  params: Parameters<RunSearch>[0],
): ReturnType<RunSearch> {
  const results = await search(params);
  tally.searches++;
  tally.latencies.push(results.latencyMs);
  if (results.hits.length === 0) tally.zeroResults++;
  if (results.ranking?.reranked) tally.reranked++;
  results.hits.forEach((_, i) => {
    if (i < tally.impressionsAt.length) tally.impressionsAt[i]!++;
  });
  return results;
}

async function sendEvents(
  client: SearchApiClient,
  tally: TrafficTally,
  events: ShopperEvent[],
): Promise<void> {
  for (let i = 0; i < events.length; i += MAX_EVENTS_PER_REQUEST) {
    const report = await client.postEvents(events.slice(i, i + MAX_EVENTS_PER_REQUEST));
    tally.stored.inserted += report.accepted - (report.duplicates ?? 0);
    tally.stored.duplicates += report.duplicates ?? 0;
    tally.stored.rejected += report.rejected;
    for (const error of report.errors) {
      if (tally.stored.errors.length < MAX_STORED_ERRORS) tally.stored.errors.push(error);
    }
  }
}
