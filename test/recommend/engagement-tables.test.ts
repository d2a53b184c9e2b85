import { describe, expect, it } from 'vitest';
import type { ProductSummary } from '../../src/catalog/search-backend.ts';
import {
  buildEngagementTables,
  buildPopularLists,
  type EngagementTableOptions,
} from '../../src/recommend/engagement-tables.ts';
import type { StoredEvent } from '../../src/users/events.ts';

const NOW = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;
const OPTIONS: EngagementTableOptions = {
  now: NOW,
  halfLifeDays: 10,
  trendingHalfLifeDays: 1,
  minSupport: 2,
  perShopperLimit: 50,
  listSize: 10,
};

const CATEGORIES: Record<string, string[]> = {
  a: ['Tools', 'Drills'],
  b: ['Tools', 'Batteries'],
  c: ['Tools', 'Bits'],
  d: ['Home', 'Kitchen'],
};

async function* pages(events: StoredEvent[]): AsyncIterable<StoredEvent[]> {
  yield events;
}

const summaries = async (ids: readonly string[]) =>
  new Map<string, ProductSummary>(
    ids.filter((id) => CATEGORIES[id]).map((id) => [id, { id, title: id, category: CATEGORIES[id] }]),
  );

let n = 0;
const ev = (type: StoredEvent['type'], shopper: string, productId: string, daysAgo = 0): StoredEvent => ({
  eventId: `e${++n}`,
  type,
  ...(shopper.startsWith('u') ? { userHash: shopper } : { sessionId: shopper }),
  productId,
  timestamp: NOW - daysAgo * DAY,
});

describe('engagement tables', () => {
  it('pairs products per shopper with a minimum support, decayed by age', async () => {
    const tables = await buildEngagementTables(
      pages([
        ev('click', 'u1', 'a'),
        ev('click', 'u1', 'b'),
        ev('click', 's2', 'a', 10),
        ev('click', 's2', 'b', 10),
        // One shopper only: below the minimum support.
        ev('click', 'u1', 'c'),
        ev('impression', 'u3', 'c'),
        ev('impression', 'u3', 'a'),
      ]),
      summaries,
      OPTIONS,
    );
    const lists = new Map(tables.coClick.map((l) => [l.key, l.items]));
    expect(lists.get('a')).toEqual([{ id: 'b', weight: 1.5, support: 2 }]);
    expect(lists.get('b')).toEqual([{ id: 'a', weight: 1.5, support: 2 }]);
    expect(lists.has('c')).toBe(false);
    expect(tables.counts).toEqual({ events: 5, shoppers: 2, products: 3 });
  });

  it('counts carts and purchases for bought-together and their categories, clicks not', async () => {
    const tables = await buildEngagementTables(
      pages([
        ...['u1', 'u2'].flatMap((u) => [ev('purchase', u, 'a'), ev('add_to_cart', u, 'b')]),
        ev('click', 'u1', 'c'),
        ev('click', 'u2', 'c'),
      ]),
      summaries,
      OPTIONS,
    );
    const bought = new Map(tables.boughtTogether.map((l) => [l.key, l.items.map((i) => i.id)]));
    expect(bought.get('a')).toEqual(['b']);
    const categories = new Map(tables.categoryBoughtTogether.map((l) => [l.key, l.items.map((i) => i.id)]));
    expect(categories.get('Tools > Drills')).toEqual(['Tools > Batteries']);
    expect(new Map(tables.coClick.map((l) => [l.key, l.items.map((i) => i.id)])).get('c')).toEqual([
      'a',
      'b',
    ]);
  });

  it('ranks trending by decayed engagement, for the catalog and each category level', async () => {
    const tables = await buildEngagementTables(
      pages([
        ...['u1', 'u2', 'u3'].map((u) => ev('click', u, 'a', 3)), // 3 clicks three days ago: 3 / 8
        ev('click', 'u4', 'b'), // one click now: 1
        ev('purchase', 'u5', 'd', 1), // a purchase a day ago: 5 / 2
        ev('click', 'u6', 'gone'), // not in the catalog any more
      ]),
      summaries,
      OPTIONS,
    );
    const trending = new Map(tables.trending.map((l) => [l.key, l.items.map((i) => i.id)]));
    expect(trending.get('')).toEqual(['d', 'b', 'a']);
    expect(trending.get('Tools')).toEqual(['b', 'a']);
    expect(trending.get('Home > Kitchen')).toEqual(['d']);
    expect(tables.trending.find((l) => l.key === 'Tools')!.items[1]).toEqual({
      id: 'a',
      weight: 0.375,
      support: 3,
    });
  });

  it("counts each shopper's most recent products only", async () => {
    const events = [ev('click', 'u1', 'a', 3), ev('click', 'u1', 'b', 2), ev('click', 'u1', 'c', 1)];
    const again = [ev('click', 'u2', 'a', 3), ev('click', 'u2', 'b', 2), ev('click', 'u2', 'c', 1)];
    const tables = await buildEngagementTables(pages([...events, ...again]), summaries, {
      ...OPTIONS,
      perShopperLimit: 2,
    });
    expect(tables.coClick.map((l) => l.key).sort()).toEqual(['b', 'c']);
  });
});

describe('popular lists', () => {
  it("lists the catalog's popularity order per category level, then rating, in bounded lists", async () => {
    async function* batches() {
      yield [
        { id: 'a', category: ['Tools', 'Drills'], popularity: 5, rating: 4 },
        { id: 'b', category: ['Tools', 'Drills'], popularity: 9 },
        { id: 'c', category: ['Tools', 'Bits'], popularity: 5, rating: 5 },
      ];
      yield [{ id: 'd', category: ['Home'] }];
    }
    const lists = new Map(
      (await buildPopularLists(batches(), 2)).map((l) => [l.key, l.items.map((i) => i.id)]),
    );
    expect(lists.get('')).toEqual(['b', 'c']);
    expect(lists.get('Tools')).toEqual(['b', 'c']);
    expect(lists.get('Tools > Drills')).toEqual(['b', 'a']);
    expect(lists.get('Home')).toEqual(['d']);
  });
});
