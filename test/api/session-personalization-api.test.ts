import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FEATURE_NAMES } from '../../src/ranking/features/feature-set.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

// Within the last hour: events older than EVENT_MAX_AGE_HOURS are refused.
const at = (minutes: number) => new Date(Date.now() - (60 - minutes) * 60_000).toISOString();
const HISTORY = FEATURE_NAMES.indexOf('user_has_history');
const BRAND = FEATURE_NAMES.indexOf('brand_affinity');

describe('session personalization', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  /** The shopper features the ranker saw for each product of a search (its logged impression). */
  async function shopperFeatures(query: Record<string, string>) {
    const res = await request(app).get('/v1/search').query(query).expect(200);
    await runtime.eventStore.flush();
    const impression = await runtime.eventStore.impression(res.body.query_id);
    return new Map(impression!.items.map((item) => [item.productId, item.features!]));
  }

  beforeAll(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  it('updates the profile of an anonymous session with each event, at once', async () => {
    const empty = (await request(app).get('/v1/sessions/tab-1/profile').expect(200)).body;
    expect(empty.counts).toEqual({ clicks: 0, carts: 0, purchases: 0 });
    await request(app)
      .post('/v1/events')
      .send([
        { event_id: 'x1', type: 'click', session_id: 'tab-1', product_id: 'mower-2', timestamp: at(1) },
        {
          event_id: 'x2',
          type: 'add_to_cart',
          session_id: 'tab-1',
          product_id: 'blower-1',
          timestamp: at(2),
        },
      ])
      .expect(200);
    const profile = (await request(app).get('/v1/sessions/tab-1/profile').expect(200)).body;
    expect(profile.user_hash).not.toContain('tab-1');
    expect(profile.counts).toEqual({ clicks: 1, carts: 1, purchases: 0 });
    expect(Object.keys(profile.brands)).toEqual(['EGO']);
  });

  it("gives the ranker the session's affinities when there is no user, and none to a fresh session", async () => {
    const anonymous = await shopperFeatures({ q: 'mower', session_id: 'tab-1' });
    expect(anonymous.get('mower-2')![HISTORY]).toBe(1);
    expect(anonymous.get('mower-2')![BRAND]).toBe(1);
    const fresh = await shopperFeatures({ q: 'mower', session_id: 'tab-2' });
    expect(fresh.get('mower-2')![HISTORY]).toBe(0);
    expect(fresh.get('mower-2')![BRAND]).toBe(0);
  });

  it('reads user and session together after a login mid-session', async () => {
    await request(app)
      .post('/v1/events')
      .send([{ event_id: 'y1', type: 'purchase', user_id: 'kim', product_id: 'mower-1', timestamp: at(3) }])
      .expect(200);
    const user = await shopperFeatures({ q: 'mower', user_id: 'kim' });
    expect(user.get('mower-1')![BRAND]).toBe(1);
    const both = await shopperFeatures({ q: 'mower', user_id: 'kim', session_id: 'tab-1' });
    const honda = both.get('mower-1')![BRAND]!;
    const ego = both.get('mower-2')![BRAND]!;
    expect(honda).toBeGreaterThan(0);
    expect(ego).toBeGreaterThan(0);
    expect(honda + ego).toBeCloseTo(1, 5);
  });

  it("leans autocomplete towards the shopper's brands and categories", async () => {
    await runtime.jobs.runner.run('suggestions', 'api');
    const texts = async (query: Record<string, string>) =>
      (await request(app).get('/v1/suggest').query(query).expect(200)).body.suggestions.map(
        (s: { text: string }) => s.text,
      );
    // tab-1 carted a leaf blower and clicked a mower: leaf blowers hold most of its category affinity.
    expect(await texts({ q: 'l', size: '2' })).toEqual(['lawn mowers', 'leaf blowers']);
    expect(await texts({ q: 'l', size: '2', session_id: 'tab-1' })).toEqual(['leaf blowers', 'lawn mowers']);
    expect(await texts({ q: 'l', size: '2', session_id: 'tab-unknown' })).toEqual([
      'lawn mowers',
      'leaf blowers',
    ]);
  });

  it('keeps session profiles through a rebuild of all profiles', async () => {
    await runtime.events.rebuildProfiles();
    const profile = (await request(app).get('/v1/sessions/tab-1/profile').expect(200)).body;
    expect(profile.counts).toEqual({ clicks: 1, carts: 1, purchases: 0 });
  });
});

describe('profile boost while no model serves', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  // Eight hoses the query matches alike (so fusion scores them close), of eight brands and
  // two price bands; a wrench of brand H, whose clicks give a session a taste for H.
  const brands = ['Aqua', 'Bolt', 'Crest', 'Dura', 'Elm', 'Flow', 'Gale', 'Hydro'];
  const hoses = brands.map((brand, i) => ({
    id: `hose-${i}`,
    title: `${brand} Garden Hose ${25 + 5 * i} ft`,
    brand,
    category: ['Garden', 'Watering', 'Hoses'],
    price: i < 4 ? 19 + i : 45 + i,
  }));
  const wrench = {
    id: 'wrench-h',
    title: 'Hydro Pipe Wrench',
    brand: 'Hydro',
    category: ['Tools', 'Hand Tools'],
    price: 48,
  };
  const ids = (body: { hits: { id: string }[] }) => body.hits.map((h) => h.id);
  const search = async (query: Record<string, string>) =>
    (
      await request(app)
        .get('/v1/search')
        .query({ q: 'garden hose', ...query })
        .expect(200)
    ).body;

  beforeAll(async () => {
    runtime = await createTestRuntime({ RATE_LIMIT: 'off' });
    app = runtime.createApp();
    await request(app)
      .post('/v1/products')
      .send([...hoses, wrench])
      .expect(200);
    await request(app)
      .post('/v1/events')
      .send(
        [1, 2, 3].map((n) => ({
          event_id: `w${n}`,
          type: 'click',
          session_id: 'tab-h',
          product_id: 'wrench-h',
          timestamp: at(n),
        })),
      )
      .expect(200);
  });
  afterAll(() => runtime.close());

  it("lifts the products that fit a session's taste, within the bound, and leaves others the fused order", async () => {
    const fused = await search({ rerank: 'false' });
    expect(ids(fused)).toContain('hose-7');
    expect(ids(fused)[0]).not.toBe('hose-7');
    const fresh = await search({ session_id: 'tab-new' });
    expect(ids(fresh)).toEqual(ids(fused));
    expect(fresh.ranking).toMatchObject({ model: null, reranked: false, fallback: 'no_model' });
    expect(fresh.ranking.personalized).toBeUndefined();

    const tasted = await search({ session_id: 'tab-h', explain: 'true' });
    expect(tasted.ranking).toMatchObject({ model: null, fallback: 'no_model', personalized: true });
    // The Hydro hose (its brand and price band) comes first; the set of hits is the same.
    expect(ids(tasted)[0]).toBe('hose-7');
    expect([...ids(tasted)].sort()).toEqual([...ids(fused)].sort());
    const explained = new Map(tasted.hits.map((h: { id: string; explain: unknown }) => [h.id, h.explain]));
    expect(explained.get('hose-7')).toMatchObject({ personalization: { affinity: expect.any(Number) } });
    const affinity = (id: string) =>
      (explained.get(id) as { personalization: { affinity: number } }).personalization.affinity;
    expect(affinity('hose-7')).toBeGreaterThan(affinity('hose-0'));
    // The wrench shares no query word: the profile orders what retrieval found, it adds nothing.
    expect(ids(tasted)).not.toContain('wrench-h');
  });
});
