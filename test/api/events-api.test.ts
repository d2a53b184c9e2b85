import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FEATURE_COUNT } from '../../src/ranking/features/feature-set.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

// Events are believed only within a window around now (EVENT_MAX_AGE_HOURS): an hour ago, on.
const BASE = Date.now() - 3_600_000;
const at = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();

describe('/v1/events and shopper profiles', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  it('stores a batch, ignores repeated event ids, and builds the profile', async () => {
    const batch = [
      {
        event_id: 'e1',
        type: 'click',
        user_id: 'alice',
        product_id: 'mower-1',
        position: 2,
        timestamp: at(1),
      },
      { event_id: 'e2', type: 'add_to_cart', user_id: 'alice', product_id: 'mower-1', timestamp: at(2) },
      { event_id: 'e3', type: 'purchase', user_id: 'alice', product_id: 'blower-1', timestamp: at(3) },
    ];
    const first = await request(app).post('/v1/events').send(batch).expect(200);
    expect(first.body).toMatchObject({ received: 3, accepted: 3, duplicates: 0, rejected: 0 });
    const again = await request(app).post('/v1/events').send(batch).expect(200);
    expect(again.body).toMatchObject({ accepted: 3, duplicates: 3 });

    const profile = (await request(app).get('/v1/users/alice/profile').expect(200)).body;
    expect(profile.user_hash).not.toContain('alice');
    expect(profile.counts).toEqual({ clicks: 1, carts: 1, purchases: 1 });
    expect(profile.purchased).toEqual(['blower-1']);
    expect(profile.recent).toEqual(['mower-1']);
    expect(Object.keys(profile.brands).sort()).toEqual(['EGO', 'Honda']);
    expect(profile.categories['Garden > Outdoor Power']).toBeGreaterThan(
      profile.categories['Garden > Outdoor Power > Leaf Blowers'],
    );
  });

  it('gives a shopper without history an empty profile, not an error', async () => {
    const profile = (await request(app).get('/v1/users/nobody/profile').expect(200)).body;
    expect(profile.counts).toEqual({ clicks: 0, carts: 0, purchases: 0 });
    expect(profile.categories).toEqual({});
  });

  it('rejects bad events by index and field, keeping the good ones', async () => {
    const res = await request(app)
      .post('/v1/events')
      .send([
        { event_id: 'g1', type: 'click', session_id: 's1', product_id: 'drill-1', timestamp: at(5) },
        { event_id: 'b1', type: 'like', user_id: 'u', product_id: 'x', timestamp: at(5) },
        { event_id: 'b2', type: 'click', product_id: 'x', timestamp: 'yesterday' },
        { event_id: 'b3', type: 'click', user_id: 'u', product_id: 'x', timestamp: at(5), position: 0 },
      ]);
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 3 });
    const paths = Object.fromEntries(
      res.body.errors.map((e: { index: number; errors: { path: string }[] }) => [
        e.index,
        e.errors.map((x) => x.path).sort(),
      ]),
    );
    expect(paths).toEqual({ 1: ['type'], 2: ['timestamp', 'user_id'], 3: ['position'] });
  });

  it('joins a click to the position its search served it at', async () => {
    const search = await request(app)
      .get('/v1/search')
      .query({ q: 'cordless drill', user_id: 'bob' })
      .expect(200);
    const queryId = search.body.query_id;
    const shown = search.body.hits.findIndex((h: { id: string }) => h.id === 'drill-2');
    expect(shown).toBeGreaterThanOrEqual(0);
    await request(app)
      .post('/v1/events')
      .send({
        event_id: 'c-bob',
        type: 'click',
        user_id: 'bob',
        query_id: queryId,
        product_id: 'drill-2',
        timestamp: new Date().toISOString(),
      })
      .expect(200);
    const impression = await runtime.eventStore.impression(queryId);
    expect(impression?.userHash).toBe(runtime.events.hashUser('bob'));
    expect(impression?.items[shown]).toMatchObject({ productId: 'drill-2', position: shown + 1 });
    expect(impression?.items[0]?.features).toHaveLength(FEATURE_COUNT);
    const [click] = await runtime.eventStore.eventsForQueries([queryId]);
    expect(click).toMatchObject({ productId: 'drill-2', position: shown + 1 });
  });

  it('forgets a shopper: events, impressions and profile', async () => {
    await request(app).get('/v1/search').query({ q: 'hose', user_id: 'carol' }).expect(200);
    await request(app)
      .post('/v1/events')
      .send({ event_id: 'c1', type: 'purchase', user_id: 'carol', product_id: 'hose-1', timestamp: at(10) })
      .expect(200);
    const res = await request(app).delete('/v1/users/carol').expect(200);
    expect(res.body.forgotten).toEqual({ events: 1, impressions: 1, profile: true, sessions: 0 });
    const profile = (await request(app).get('/v1/users/carol/profile').expect(200)).body;
    expect(profile.counts.purchases).toBe(0);
  });

  it('forgets the sessions linked to a shopper: their session profiles and anonymous events stay gone', async () => {
    const click = (id: string, shopper: Record<string, string>, productId: string, minutes: number) => ({
      event_id: id,
      type: 'click',
      ...shopper,
      product_id: productId,
      timestamp: at(minutes),
    });
    await request(app)
      .post('/v1/events')
      .send([
        click('dan-anon-1', { session_id: 'dan-tab' }, 'drill-1', 30),
        click('dan-anon-2', { session_id: 'dan-tab' }, 'drill-2', 29),
        click('dan-login', { session_id: 'dan-tab', user_id: 'dan' }, 'hose-1', 20),
        click('eve-anon', { session_id: 'eve-tab' }, 'drill-1', 20),
      ])
      .expect(200);
    const feed = () => request(app).get('/v1/recommendations').query({ session_id: 'dan-tab' }).expect(200);
    expect((await feed()).body.strategy).toBe('personal');
    const res = await request(app).delete('/v1/users/dan').expect(200);
    expect(res.body.forgotten).toEqual({ events: 3, impressions: 0, profile: true, sessions: 1 });
    expect((await feed()).body.strategy).toBe('trending');
    const session = (await request(app).get('/v1/sessions/dan-tab/profile').expect(200)).body;
    expect(session.counts.clicks).toBe(0);
    // A profile rebuild replays the remaining events: the linked session does not come back.
    await runtime.events.rebuildProfiles();
    expect((await request(app).get('/v1/sessions/dan-tab/profile').expect(200)).body.counts.clicks).toBe(0);
    expect((await request(app).get('/v1/sessions/eve-tab/profile').expect(200)).body.counts.clicks).toBe(1);
  });

  it('rebuilds every profile from the event log', async () => {
    const before = (await request(app).get('/v1/users/alice/profile').expect(200)).body;
    expect(await runtime.events.rebuildProfiles()).toBeGreaterThanOrEqual(1);
    const after = (await request(app).get('/v1/users/alice/profile').expect(200)).body;
    expect(after.counts).toEqual(before.counts);
    expect(after.brands.Honda).toBeCloseTo(before.brands.Honda, 6);
  });

  it('searches in fused order and says so while no ranking model exists', async () => {
    const res = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
    expect(res.body.ranking).toEqual({
      model: null,
      reranked: false,
      window: expect.any(Number),
      fallback: 'no_model',
    });
    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/search_ranking_fallbacks_total\{reason="no_model"\} [1-9]/);
  });
});
