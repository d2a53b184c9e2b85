/**
 * The behaviour every EventStore must show, written once: the SQLite store and the
 * Elasticsearch store (on the fake cluster and on a real one) run the same suite. Each test
 * gets an empty store; `reopen` opens another on the same data, as a second replica (or a
 * restart) would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, ProfileFold } from '../../src/users/event-store.ts';
import type { Impression, StoredEvent } from '../../src/users/events.ts';
import { emptyProfile, type UserProfile } from '../../src/users/profiles.ts';
import { sessionProfileKey } from '../../src/users/user-ids.ts';

export interface EventStoreUnderTest {
  store: EventStore;
  /** Another store on the same data; the suite closes it. */
  reopen(): Promise<EventStore>;
  /** Closes what is still open and removes the data. */
  dispose(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);

function event(eventId: string, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return { eventId, type: 'click', productId: 'p1', userHash: 'u1', timestamp: T0, ...overrides };
}

function impression(queryId: string, overrides: Partial<Impression> = {}): Impression {
  return {
    queryId,
    query: `query ${queryId}`,
    timestamp: T0,
    items: [
      { productId: 'p1', position: 1 },
      { productId: 'p2', position: 2 },
    ],
    ...overrides,
  };
}

function profile(userHash: string, clicks: number): UserProfile {
  return {
    ...emptyProfile(userHash, T0),
    categories: { Tools: 1.5, 'Tools > Drills': 0.75 },
    brands: { DeWalt: 1.5 },
    priceBands: { '3': 1.5 },
    price: { weight: 1.5, sum: 6.9, sumSquares: 31.7 },
    recent: ['p1', 'p2'],
    counts: { clicks, carts: 0, purchases: 0 },
  };
}

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const byId = (a: StoredEvent, b: StoredEvent) => a.eventId.localeCompare(b.eventId);

/** A fold that counts clicks per shopper (what the service's fold does to `counts`, and nothing else). */
const countClicks: ProfileFold = (events, current) => {
  const touched = new Map<string, UserProfile>();
  for (const e of events) {
    const p =
      touched.get(e.userHash!) ?? structuredClone(current.get(e.userHash!)) ?? emptyProfile(e.userHash!);
    p.counts.clicks++;
    touched.set(e.userHash!, p);
  }
  return [...touched.values()];
};

async function clicksOf(store: EventStore, userHash: string): Promise<number> {
  return (await store.profiles([userHash])).get(userHash)?.counts.clicks ?? 0;
}

async function foldEverythingPending(store: EventStore): Promise<void> {
  for await (const page of store.unfoldedEvents()) await store.appendEvents(page, countClicks);
}

export function describeEventStoreConformance(
  name: string,
  create: () => Promise<EventStoreUnderTest>,
): void {
  describe(`EventStore conformance: ${name}`, () => {
    let subject: EventStoreUnderTest;
    let store: EventStore;

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.dispose();
    });

    it('stores an event once: a repeated event_id is a duplicate, in the same batch or a later one', async () => {
      const a = event('a', { queryId: 'q1' });
      const b = event('b', { queryId: 'q1', productId: 'p2' });
      expect(await store.appendEvents([a, b, { ...a, productId: 'p9' }])).toEqual({
        inserted: [a, b],
        duplicates: 1,
      });
      const c = event('c', { queryId: 'q1' });
      expect(await store.appendEvents([b, c])).toEqual({ inserted: [c], duplicates: 1 });
      expect(await store.appendEvents([])).toEqual({ inserted: [], duplicates: 0 });
      expect((await store.eventsForQueries(['q1'])).sort(byId)).toEqual([a, b, c]);
    });

    it('folds new events into their profiles as it stores them, and a repeat not again', async () => {
      const events = [
        event('f1'),
        event('f2'),
        event('f3', { userHash: 'u2' }),
        event('anon', { userHash: undefined }),
      ];
      await store.appendEvents(events, countClicks);
      expect(await clicksOf(store, 'u1')).toBe(2);
      expect(await clicksOf(store, 'u2')).toBe(1);
      expect(await store.appendEvents([...events, event('f4')], countClicks)).toMatchObject({
        duplicates: 4,
      });
      expect(await clicksOf(store, 'u1')).toBe(3);
      await foldEverythingPending(store);
      expect(await clicksOf(store, 'u1')).toBe(3);
    });

    it('leaves nothing a retry counts twice when the fold fails after the events were sent', async () => {
      const events = [event('r1'), event('r2'), event('r3')];
      const failing: ProfileFold = () => {
        throw new Error('crash between storing the events and saving the profiles');
      };
      await expect(store.appendEvents(events, failing)).rejects.toThrow(/crash/);
      // The client never got an answer, so it sends the batch again; a resume may run too.
      await store.appendEvents(events, countClicks);
      await foldEverythingPending(store);
      await store.appendEvents(events, countClicks);
      expect(await clicksOf(store, 'u1')).toBe(3);
      expect((await all(store.userEvents())).flat()).toHaveLength(3);
      expect(await all(store.unfoldedEvents())).toEqual([]);
    });

    it('keeps every field of an event and leaves absent ones absent', async () => {
      const full = event('full', { type: 'purchase', sessionId: 's1', queryId: 'q1', position: 3 });
      const bare: StoredEvent = {
        eventId: 'bare',
        type: 'add_to_cart',
        productId: 'p2',
        sessionId: 's2',
        queryId: 'q1',
        timestamp: T0 + 1,
      };
      await store.appendEvents([full, bare]);
      const stored = (await store.eventsForQueries(['q1'])).sort(byId);
      expect(stored).toStrictEqual([bare, full]);
    });

    it('counts clicks, carts and purchases per product, for new events only', async () => {
      const events = [
        event('c1'),
        event('c2'),
        event('cart', { type: 'add_to_cart' }),
        event('buy', { type: 'purchase', productId: 'p2' }),
        event('seen', { type: 'impression' }),
      ];
      await store.appendEvents(events);
      await store.appendEvents(events); // all duplicates: counted once
      const stats = await store.productStats(['p1', 'p2', 'never-seen']);
      expect(Object.fromEntries(stats)).toEqual({
        p1: { impressions: 0, clicks: 2, carts: 1, purchases: 0 },
        p2: { impressions: 0, clicks: 0, carts: 0, purchases: 1 },
      });
      expect(await store.productStats([])).toEqual(new Map());
    });

    it('reads back a flushed impression exactly, features included, and counts what was shown', async () => {
      const full = impression('q1', {
        userHash: 'u1',
        sessionId: 's1',
        modelVersion: 'ranker-7',
        intervention: { kind: 'adjacent_pairs', depth: 2, offset: 0, swapped: [1] },
        experiment: { id: 'ranker-v2', method: 'interleaving' },
        items: [
          { productId: 'p1', position: 1, features: [0.5, 1, 0], team: 'treatment' },
          { productId: 'p2', position: 2, features: [0.25, 0, 1], team: 'control' },
        ],
      });
      const bare = impression('q2', { items: [{ productId: 'p1', position: 1 }] });
      store.recordImpression(full);
      store.recordImpression(bare);
      await store.flush();
      expect(await store.impression('q1')).toStrictEqual(full);
      expect(await store.impression('q2')).toStrictEqual(bare);
      expect(await store.impression('unknown')).toBeUndefined();
      const stats = await store.productStats(['p1', 'p2']);
      expect(stats.get('p1')).toEqual({ impressions: 2, clicks: 0, carts: 0, purchases: 0 });
      expect(stats.get('p2')).toEqual({ impressions: 1, clicks: 0, carts: 0, purchases: 0 });
    });

    it("finds a search's impression right after it was recorded, without an explicit flush", async () => {
      const recorded = impression('q1', { userHash: 'u1' });
      store.recordImpression(recorded);
      expect(await store.impression('q1')).toStrictEqual(recorded);
    });

    it('replaces an impression recorded again under the same query id', async () => {
      store.recordImpression(impression('q1'));
      store.recordImpression(impression('q1', { query: 'again', items: [{ productId: 'p3', position: 1 }] }));
      await store.flush();
      expect(await store.impression('q1')).toMatchObject({ query: 'again', items: [{ productId: 'p3' }] });
      expect((await all(store.impressionsSince(0))).flat()).toHaveLength(1);
    });

    it('lists impressions from a time on (inclusive), oldest first, ties by query id, in pages', async () => {
      for (const [queryId, at] of [
        ['late', T0 + 3],
        ['before', T0 - 1],
        ['tie-b', T0 + 2],
        ['first', T0],
        ['tie-a', T0 + 2],
        ['second', T0 + 1],
      ] as const) {
        store.recordImpression(impression(queryId, { timestamp: at }));
      }
      const pages = await all(store.impressionsSince(T0, 2));
      expect(pages.map((page) => page.map((i) => i.queryId))).toEqual([
        ['first', 'second'],
        ['tie-a', 'tie-b'],
        ['late'],
      ]);
      expect(await all(store.impressionsSince(T0 + 4))).toEqual([]);
    });

    it('finds the events of given searches right after they were stored', async () => {
      await store.appendEvents([
        event('e1', { queryId: 'q1' }),
        event('e2', { queryId: 'q2' }),
        event('e3', { queryId: 'q3', type: 'purchase' }),
        event('e4'),
      ]);
      const found = await store.eventsForQueries(['q1', 'q3', 'unknown']);
      expect(found.map((e) => e.eventId).sort()).toEqual(['e1', 'e3']);
      expect(await store.eventsForQueries([])).toEqual([]);
    });

    it('lists every event with a user, oldest first, ties by event id, in pages', async () => {
      await store.appendEvents([
        event('late', { timestamp: T0 + 5 }),
        event('anonymous', { userHash: undefined, sessionId: 's1', timestamp: T0 }),
        event('tie-b', { userHash: 'u2', timestamp: T0 + 1 }),
        event('first', { timestamp: T0 }),
        event('tie-a', { timestamp: T0 + 1 }),
      ]);
      const pages = await all(store.userEvents(2));
      expect(pages.map((page) => page.map((e) => e.eventId))).toEqual([
        ['first', 'tie-a'],
        ['tie-b', 'late'],
      ]);
      expect(pages[1]![0]).toStrictEqual(event('tie-b', { userHash: 'u2', timestamp: T0 + 1 }));
    });

    it('lists the clicks, carts and purchases from a time on, users and sessions alike, in pages', async () => {
      await store.appendEvents([
        event('old', { timestamp: T0 - 1 }),
        event('shown', { type: 'impression', timestamp: T0 + 1 }),
        event('late', { type: 'purchase', timestamp: T0 + 5 }),
        event('anonymous', { userHash: undefined, sessionId: 's1', type: 'add_to_cart', timestamp: T0 }),
        event('tie-b', { userHash: 'u2', timestamp: T0 + 1 }),
        event('tie-a', { timestamp: T0 + 1 }),
      ]);
      const pages = await all(store.actionEvents(T0, 2));
      expect(pages.map((page) => page.map((e) => e.eventId))).toEqual([
        ['anonymous', 'tie-a'],
        ['tie-b', 'late'],
      ]);
      expect(pages[0]![0]).toStrictEqual({
        eventId: 'anonymous',
        type: 'add_to_cart',
        productId: 'p1',
        sessionId: 's1',
        timestamp: T0,
      });
      expect((await all(store.actionEvents(T0 + 6))).flat()).toEqual([]);
    });

    it('replaces the engagement lists of one kind, leaving the other kinds alone', async () => {
      const items = (...ids: string[]) => ids.map((id, i) => ({ id, weight: 3 - i * 0.5, support: 3 - i }));
      expect(
        await store.replaceEngagementLists('co_click', [
          { key: 'p1', items: items('p2', 'p3') },
          { key: 'p2', items: items('p1') },
        ]),
      ).toBe(2);
      await store.replaceEngagementLists('trending', [{ key: '', items: items('p9') }]);
      const found = await store.engagementLists('co_click', ['p1', 'p2', 'unknown']);
      expect([...found.keys()].sort()).toEqual(['p1', 'p2']);
      expect(found.get('p1')).toStrictEqual(items('p2', 'p3'));
      await store.replaceEngagementLists('co_click', [{ key: 'p3', items: items('p1') }]);
      expect([...(await store.engagementLists('co_click', ['p1', 'p2', 'p3'])).keys()]).toEqual(['p3']);
      expect((await store.engagementLists('trending', [''])).get('')).toStrictEqual(items('p9'));
      expect(await store.engagementLists('bought_together', ['p1'])).toEqual(new Map());
      expect(await store.engagementLists('co_click', [])).toEqual(new Map());
      const other = await subject.reopen();
      expect((await other.engagementLists('co_click', ['p3'])).get('p3')).toStrictEqual(items('p1'));
    });

    it('round-trips profiles; saving again overwrites', async () => {
      await store.saveProfiles([profile('a', 1), profile('b', 2)]);
      const found = await store.profiles(['a', 'b', 'unknown']);
      expect([...found.keys()].sort()).toEqual(['a', 'b']);
      expect(found.get('a')).toStrictEqual(profile('a', 1));
      await store.saveProfiles([profile('a', 5)]);
      expect((await store.profiles(['a'])).get('a')).toStrictEqual(profile('a', 5));
      expect(await store.profiles([])).toEqual(new Map());
    });

    it('replaces all profiles with a rebuilt set', async () => {
      await store.saveProfiles([profile('a', 1), profile('b', 2)]);
      expect(await store.replaceAllProfiles([profile('b', 7), profile('c', 3)])).toBe(2);
      const found = await store.profiles(['a', 'b', 'c']);
      expect([...found.keys()].sort()).toEqual(['b', 'c']);
      expect(found.get('b')).toStrictEqual(profile('b', 7));
      expect(await store.replaceAllProfiles([])).toBe(0);
      expect(await store.profiles(['b', 'c'])).toEqual(new Map());
    });

    it('totals the counters over all products', async () => {
      expect(await store.totalStats()).toEqual({ impressions: 0, clicks: 0, carts: 0, purchases: 0 });
      await store.appendEvents([
        event('c1'),
        event('c2', { productId: 'p2' }),
        event('cart', { type: 'add_to_cart', productId: 'p3' }),
        event('buy', { type: 'purchase' }),
      ]);
      store.recordImpression(impression('q1'));
      store.recordImpression(impression('q2', { items: [{ productId: 'p4', position: 1 }] }));
      await store.flush();
      expect(await store.totalStats()).toEqual({ impressions: 3, clicks: 2, carts: 1, purchases: 1 });
    });

    it('counts what was shown and done per query, apart from other queries that showed the same product', async () => {
      store.recordImpression(impression('q1', { query: 'Cordless  Drill!' }));
      store.recordImpression(
        impression('q2', {
          query: 'drill case',
          items: [
            { productId: 'p2', position: 1 },
            { productId: 'p1', position: 4 },
          ],
        }),
      );
      await store.flush();
      expect(Object.fromEntries(await store.queryProductStats('cordless drill', ['p1', 'p2', 'p3']))).toEqual(
        {
          p1: { impressions: 1, examinations: 1, clicks: 0, carts: 0, purchases: 0 },
          p2: { impressions: 1, examinations: 0.5, clicks: 0, carts: 0, purchases: 0 },
        },
      );
      await store.appendEvents([
        event('c1', { queryId: 'q1', productId: 'p2' }),
        event('b1', { queryId: 'q1', productId: 'p2', type: 'purchase' }),
        event('c2', { queryId: 'q2', productId: 'p1' }),
        event('c3', { productId: 'p1' }), // no search: counted for the product only
        event('c4', { queryId: 'unknown', productId: 'p1' }),
      ]);
      await store.appendEvents([event('c1', { queryId: 'q1', productId: 'p2' })]); // a duplicate
      expect(Object.fromEntries(await store.queryProductStats('CORDLESS drill', ['p1', 'p2']))).toEqual({
        p1: { impressions: 1, examinations: 1, clicks: 0, carts: 0, purchases: 0 },
        p2: { impressions: 1, examinations: 0.5, clicks: 1, carts: 0, purchases: 1 },
      });
      expect(Object.fromEntries(await store.queryProductStats('drill case', ['p1', 'p2']))).toEqual({
        p1: { impressions: 1, examinations: 0.25, clicks: 1, carts: 0, purchases: 0 },
        p2: { impressions: 1, examinations: 1, clicks: 0, carts: 0, purchases: 0 },
      });
      expect(await store.queryProductStats('drill', ['p1'])).toEqual(new Map());
      expect(await store.queryProductStats('?!', ['p1'])).toEqual(new Map());
      expect(await store.queryEngagementTotals()).toEqual({
        impressions: 4,
        examinations: 2.75,
        clicks: 2,
        carts: 0,
        purchases: 1,
      });
    });

    it("forgets a shopper's events, impressions (buffered ones too) and profile, and nothing else", async () => {
      await store.appendEvents([
        event('u1-a', { queryId: 'q1' }),
        event('u1-b', { queryId: 'q1', type: 'purchase' }),
        event('u2-a', { queryId: 'q2', userHash: 'u2' }),
      ]);
      store.recordImpression(impression('q1', { userHash: 'u1' }));
      store.recordImpression(impression('q2', { userHash: 'u2' }));
      await store.flush();
      store.recordImpression(impression('q3', { userHash: 'u1' })); // still buffered
      await store.saveProfiles([profile('u1', 2), profile('u2', 1)]);

      expect(await store.forgetUser('u1')).toEqual({ events: 2, impressions: 2, profile: true, sessions: 0 });
      expect((await all(store.userEvents())).flat().map((e) => e.eventId)).toEqual(['u2-a']);
      expect((await all(store.impressionsSince(0))).flat().map((i) => i.queryId)).toEqual(['q2']);
      expect([...(await store.profiles(['u1', 'u2'])).keys()]).toEqual(['u2']);
      expect(await store.forgetUser('u1')).toEqual({
        events: 0,
        impressions: 0,
        profile: false,
        sessions: 0,
      });
    });

    it('forgets the sessions linked to a shopper: their anonymous events, searches and session profiles', async () => {
      await store.appendEvents([
        event('anon-1', { userHash: undefined, sessionId: 's-before-login' }),
        event('login-1', { sessionId: 's-before-login' }),
        event('anon-2', { userHash: undefined, sessionId: 's-searched' }),
        event('other', { userHash: 'u2', sessionId: 's-other' }),
        event('other-anon', { userHash: undefined, sessionId: 's-other' }),
      ]);
      store.recordImpression(impression('q-linked', { userHash: 'u1', sessionId: 's-searched' }));
      store.recordImpression(impression('q-anon', { sessionId: 's-before-login' }));
      store.recordImpression(impression('q-other', { sessionId: 's-other' }));
      await store.saveProfiles([
        profile('u1', 1),
        profile(sessionProfileKey('s-before-login'), 1),
        profile(sessionProfileKey('s-searched'), 1),
        profile(sessionProfileKey('s-other'), 1),
      ]);

      expect(await store.forgetUser('u1')).toEqual({ events: 3, impressions: 2, profile: true, sessions: 2 });
      expect(
        (await all(store.actionEvents(0)))
          .flat()
          .map((e) => e.eventId)
          .sort(),
      ).toEqual(['other', 'other-anon']);
      expect((await all(store.impressionsSince(0))).flat().map((i) => i.queryId)).toEqual(['q-other']);
      const keys = ['u1', ...['s-before-login', 's-searched', 's-other'].map(sessionProfileKey)];
      expect([...(await store.profiles(keys)).keys()]).toEqual([sessionProfileKey('s-other')]);
    });

    it('deletes events and logged searches older than their retention windows, and nothing newer', async () => {
      const day = 86_400_000;
      await store.appendEvents([
        event('old', { timestamp: T0 - 400 * day }),
        event('kept', { timestamp: T0 - 100 * day }),
        event('new', { timestamp: T0 }),
      ]);
      store.recordImpression(impression('q-old', { timestamp: T0 - 100 * day }));
      store.recordImpression(impression('q-new', { timestamp: T0 - day }));
      await store.flush();
      store.recordImpression(impression('q-buffered-old', { timestamp: T0 - 200 * day })); // still buffered

      const cutoffs = { events: T0 - 365 * day, impressions: T0 - 90 * day };
      expect(await store.deleteBefore(cutoffs)).toEqual({ events: 1, impressions: 2 });
      expect((await all(store.userEvents())).flat().map((e) => e.eventId)).toEqual(['kept', 'new']);
      expect((await all(store.impressionsSince(0))).flat().map((i) => i.queryId)).toEqual(['q-new']);
      expect(await store.deleteBefore(cutoffs)).toEqual({ events: 0, impressions: 0 });
    });

    it('stops a retention run that is aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(store.deleteBefore({ events: T0, impressions: T0 }, controller.signal)).rejects.toThrow();
    });

    it('shares its data with another store on the same data: ids stay idempotent across them', async () => {
      const other = await subject.reopen();
      const e = event('e1', { queryId: 'q1' });
      await store.appendEvents([e]);
      store.recordImpression(impression('q1'));
      await store.flush();
      await store.saveProfiles([profile('u1', 1)]);
      expect(await other.appendEvents([e])).toEqual({ inserted: [], duplicates: 1 });
      expect(await other.impression('q1')).toStrictEqual(impression('q1'));
      expect((await other.profiles(['u1'])).get('u1')).toStrictEqual(profile('u1', 1));
      expect((await other.productStats(['p1'])).get('p1')).toEqual({
        impressions: 1,
        clicks: 1,
        carts: 0,
        purchases: 0,
      });
    });

    it('writes buffered impressions when closed', async () => {
      store.recordImpression(impression('q1'));
      await store.close();
      const other = await subject.reopen();
      expect(await other.impression('q1')).toStrictEqual(impression('q1'));
    });
  });
}
