/**
 * Builds the engagement lists recommendations read (users/engagement-lists.ts) from the
 * event log, in one pass over the events of the last `days`:
 * - co-engagement: two products the same shopper (a user, else an anonymous session)
 *   engaged with; co_click counts clicks, carts and purchases, bought_together carts and
 *   purchases only. A pair's weight is the sum over its shoppers of the older of the two
 *   engagements' decay (half-life `halfLifeDays`), its support the number of shoppers; pairs
 *   below `minSupport` shoppers are dropped (one shopper's two clicks say little);
 * - categories bought together: the same over the shoppers' carted or bought categories;
 * - trending: each product's engagement (click 1, cart 3, purchase 5) decayed with
 *   `trendingHalfLifeDays`, for the whole catalog and per category (every level).
 * Each shopper counts their `perShopperLimit` most recent products, so one heavy shopper
 * neither dominates a list nor makes the pass quadratic.
 */
import { CATEGORY_SEPARATOR } from '../catalog/catalog-query.ts';
import { categoryPrefixes } from '../catalog/product.ts';
import type { ProductSummary } from '../catalog/search-backend.ts';
import { ALL_CATEGORIES, type EngagementList, type ListedItem } from '../users/engagement-lists.ts';
import type { StoredEvent } from '../users/events.ts';

export interface EngagementTableOptions {
  now: number;
  halfLifeDays: number;
  trendingHalfLifeDays: number;
  minSupport: number;
  perShopperLimit: number;
  /** Items kept per list. */
  listSize: number;
}

export interface EngagementTables {
  coClick: EngagementList[];
  boughtTogether: EngagementList[];
  categoryBoughtTogether: EngagementList[];
  trending: EngagementList[];
  counts: { events: number; shoppers: number; products: number };
  /** Every engaged product still in the catalog, most engagement first. */
  engaged: string[];
}

const TRENDING_GAIN = { click: 1, add_to_cart: 3, purchase: 5 } as const;
const DAY_MS = 86_400_000;

interface Engagement {
  /** Decay weight of the latest engagement. */
  weight: number;
  at: number;
  bought: boolean;
}

type PairCounts = Map<string, Map<string, { weight: number; support: number }>>;

function addPair(pairs: PairCounts, a: string, b: string, weight: number): void {
  let row = pairs.get(a);
  if (!row) {
    row = new Map();
    pairs.set(a, row);
  }
  const cell = row.get(b);
  if (cell) {
    cell.weight += weight;
    cell.support++;
  } else row.set(b, { weight, support: 1 });
}

function countPairs(pairs: PairCounts, items: readonly [string, number][]): void {
  for (let i = 0; i < items.length; i++)
    for (let j = 0; j < items.length; j++) {
      if (i === j || items[i]![0] === items[j]![0]) continue;
      addPair(pairs, items[i]![0], items[j]![0], Math.min(items[i]![1], items[j]![1]));
    }
}

function toLists(pairs: PairCounts, minSupport: number, listSize: number): EngagementList[] {
  const lists: EngagementList[] = [];
  for (const [key, row] of pairs) {
    const items: ListedItem[] = [];
    for (const [id, { weight, support }] of row)
      if (support >= minSupport) items.push({ id, weight: round(weight), support });
    if (items.length === 0) continue;
    items.sort((a, b) => b.weight - a.weight || b.support - a.support || a.id.localeCompare(b.id));
    lists.push({ key, items: items.slice(0, listSize) });
  }
  return lists;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function shopperOf(event: StoredEvent): string | undefined {
  if (event.userHash !== undefined) return `u:${event.userHash}`;
  return event.sessionId !== undefined ? `s:${event.sessionId}` : undefined;
}

export async function buildEngagementTables(
  pages: AsyncIterable<StoredEvent[]>,
  summariesOf: (ids: readonly string[]) => Promise<ReadonlyMap<string, ProductSummary>>,
  options: EngagementTableOptions,
  signal?: AbortSignal,
): Promise<EngagementTables> {
  const halfLife = options.halfLifeDays * DAY_MS;
  const trendingHalfLife = options.trendingHalfLifeDays * DAY_MS;
  const shoppers = new Map<string, Map<string, Engagement>>();
  const trendingWeight = new Map<string, { weight: number; shoppers: Set<string> }>();
  let events = 0;
  for await (const page of pages) {
    signal?.throwIfAborted();
    for (const event of page) {
      if (event.type === 'impression') continue;
      const shopper = shopperOf(event);
      if (shopper === undefined) continue;
      events++;
      const age = Math.max(0, options.now - event.timestamp);
      const weight = 0.5 ** (age / halfLife);
      let products = shoppers.get(shopper);
      if (!products) {
        products = new Map();
        shoppers.set(shopper, products);
      }
      const bought = event.type !== 'click';
      const seen = products.get(event.productId);
      if (seen) {
        seen.weight = Math.max(seen.weight, weight);
        seen.at = Math.max(seen.at, event.timestamp);
        seen.bought ||= bought;
      } else products.set(event.productId, { weight, at: event.timestamp, bought });
      const trend = trendingWeight.get(event.productId) ?? { weight: 0, shoppers: new Set<string>() };
      trend.weight += TRENDING_GAIN[event.type] * 0.5 ** (age / trendingHalfLife);
      trend.shoppers.add(shopper);
      trendingWeight.set(event.productId, trend);
    }
  }
  const summaries = new Map<string, ProductSummary>();
  const ids = [...trendingWeight.keys()];
  for (let i = 0; i < ids.length; i += 1000) {
    signal?.throwIfAborted();
    for (const [id, summary] of await summariesOf(ids.slice(i, i + 1000))) summaries.set(id, summary);
  }

  const coClick: PairCounts = new Map();
  const bought: PairCounts = new Map();
  const categories: PairCounts = new Map();
  for (const products of shoppers.values()) {
    // Deleted products drop out; the most recent ones count.
    const recent = [...products].filter(([id]) => summaries.has(id));
    recent.sort((a, b) => b[1].at - a[1].at);
    const kept = recent.slice(0, options.perShopperLimit);
    countPairs(
      coClick,
      kept.map(([id, e]) => [id, e.weight]),
    );
    const carted = kept.filter(([, e]) => e.bought);
    countPairs(
      bought,
      carted.map(([id, e]) => [id, e.weight]),
    );
    const boughtCategories = new Map<string, number>();
    for (const [id, e] of carted) {
      const path = summaries.get(id)?.category?.join(CATEGORY_SEPARATOR);
      if (path) boughtCategories.set(path, Math.max(boughtCategories.get(path) ?? 0, e.weight));
    }
    countPairs(categories, [...boughtCategories]);
  }

  const trendingByKey = new Map<string, ListedItem[]>();
  for (const [id, { weight, shoppers: who }] of trendingWeight) {
    const summary = summaries.get(id);
    if (!summary) continue;
    const item = { id, weight: round(weight), support: who.size };
    for (const key of [ALL_CATEGORIES, ...categoryPrefixes(summary.category)]) {
      const list = trendingByKey.get(key) ?? [];
      list.push(item);
      trendingByKey.set(key, list);
    }
  }
  const trending = [...trendingByKey].map(([key, items]) => ({
    key,
    items: items
      .sort((a, b) => b.weight - a.weight || b.support - a.support || a.id.localeCompare(b.id))
      .slice(0, options.listSize),
  }));
  return {
    coClick: toLists(coClick, options.minSupport, options.listSize),
    boughtTogether: toLists(bought, options.minSupport, options.listSize),
    categoryBoughtTogether: toLists(categories, options.minSupport, options.listSize),
    trending,
    counts: { events, shoppers: shoppers.size, products: summaries.size },
    engaged: [...trendingWeight]
      .filter(([id]) => summaries.has(id))
      .sort((a, b) => b[1].weight - a[1].weight || a[0].localeCompare(b[0]))
      .map(([id]) => id),
  };
}

/**
 * The catalog's popularity order per category path (every level, and '' for the whole
 * catalog), as the engine's browse by relevance sorts it: popularity, then rating.
 */
export async function buildPopularLists(
  products: AsyncIterable<readonly Pick<ProductSummary, 'id' | 'category' | 'popularity' | 'rating'>[]>,
  listSize: number,
  signal?: AbortSignal,
): Promise<EngagementList[]> {
  const byKey = new Map<string, { id: string; popularity: number; rating: number }[]>();
  for await (const batch of products) {
    signal?.throwIfAborted();
    for (const p of batch) {
      const entry = { id: p.id, popularity: p.popularity ?? Number.NEGATIVE_INFINITY, rating: p.rating ?? 0 };
      for (const key of [ALL_CATEGORIES, ...categoryPrefixes(p.category)]) {
        let list = byKey.get(key);
        if (!list) {
          list = [];
          byKey.set(key, list);
        }
        list.push(entry);
        // Keep memory bounded: trim to the best when a list grows well past its size.
        if (list.length > listSize * 8) trimPopular(list, listSize);
      }
    }
  }
  return [...byKey].map(([key, list]) => {
    trimPopular(list, listSize);
    return {
      key,
      items: list.map((e) => ({
        id: e.id,
        weight: Number.isFinite(e.popularity) ? e.popularity : 0,
        support: 0,
      })),
    };
  });
}

function trimPopular(list: { id: string; popularity: number; rating: number }[], size: number): void {
  list.sort((a, b) => b.popularity - a.popularity || b.rating - a.rating || a.id.localeCompare(b.id));
  list.length = Math.min(list.length, size);
}
