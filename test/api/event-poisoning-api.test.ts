/**
 * Issue 14, finding 4: events come from shoppers' browsers, so anyone can send them. An
 * event dated in year 9999 froze a profile for good, year 0000 was accepted, and events
 * naming unknown searches or products were stored and counted. Each is now refused with a
 * per-event reason, and what is refused never reaches a profile.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

type Report = { accepted: number; rejected: number; errors: { index: number; errors: { code: string }[] }[] };
const codes = (report: Report) => report.errors.map((e) => [e.index, e.errors.map((x) => x.code)]);
const iso = (ms: number) => new Date(ms).toISOString();

describe('events that would poison personalization (finding 4)', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime({ EVENT_MAX_AGE_HOURS: '96', EVENT_MAX_DELAY_MINUTES: '60' });
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  const click = (id: string, fields: Record<string, unknown> = {}) => ({
    event_id: id,
    type: 'click',
    user_id: 'victim',
    product_id: 'drill-1',
    timestamp: iso(Date.now()),
    ...fields,
  });

  it('refuses times outside the window around now, and the profile stays live', async () => {
    const res = await request(app)
      .post('/v1/events')
      .send([
        click('future', { timestamp: '9999-12-31T23:59:59Z' }),
        click('year-zero', { timestamp: '0000-01-01T00:00:00Z' }),
        click('five-days-old', { timestamp: iso(Date.now() - 5 * 86_400_000) }),
        click('now'),
      ]);
    expect(res.status).toBe(207);
    expect(codes(res.body)).toEqual([
      [0, ['timestamp_in_future']],
      [1, ['timestamp_too_old']],
      [2, ['timestamp_too_old']],
    ]);
    expect(res.body).toMatchObject({ accepted: 1, rejected: 3 });
    const profile = (await request(app).get('/v1/users/victim/profile').expect(200)).body;
    expect(profile.counts.clicks).toBe(1);
    expect(profile.as_of).toBeLessThanOrEqual(Date.now());
    // A later event still moves the profile at full weight: nothing froze its clock.
    const before = profile.brands.DeWalt;
    await request(app)
      .post('/v1/events')
      .send(click('later', { timestamp: iso(Date.now() + 1000) }))
      .expect(200);
    const after = (await request(app).get('/v1/users/victim/profile').expect(200)).body;
    expect(after.counts.clicks).toBe(2);
    expect(after.brands.DeWalt).toBeGreaterThan(before + 0.9);
  });

  it('refuses events for products the catalog lacks and searches never served', async () => {
    const res = await request(app)
      .post('/v1/events')
      .send([
        click('no-product', { product_id: 'attacker-phrase' }),
        click('no-search', { query_id: 'made-up-query-id' }),
      ])
      .expect(422);
    expect(codes(res.body)).toEqual([
      [0, ['unknown_product']],
      [1, ['unknown_query']],
    ]);
    expect(await runtime.eventStore.eventsForQueries(['made-up-query-id'])).toEqual([]);
  });

  it('refuses an event for a product its search did not show, or long after that search', async () => {
    const search = await request(app).get('/v1/search').query({ q: 'mower', user_id: 'victim' }).expect(200);
    const shown: string[] = search.body.hits.map((h: { id: string }) => h.id);
    const notShown = FIXTURE_PRODUCTS.map((p) => String(p.id)).find((id) => !shown.includes(id))!;
    const res = await request(app)
      .post('/v1/events')
      .send([
        click('not-shown', { query_id: search.body.query_id, product_id: notShown }),
        click('too-late', {
          query_id: search.body.query_id,
          product_id: shown[0],
          timestamp: iso(Date.now() + 2 * 3_600_000),
        }),
        click('before', {
          query_id: search.body.query_id,
          product_id: shown[0],
          timestamp: iso(Date.now() - 3_600_000),
        }),
        click('fine', { query_id: search.body.query_id, product_id: shown[0] }),
      ]);
    expect(res.status).toBe(207);
    expect(codes(res.body)).toEqual([
      [0, ['not_in_results']],
      [1, ['timestamp_in_future']],
      [2, ['before_search']],
    ]);
    const stored = await runtime.eventStore.eventsForQueries([search.body.query_id]);
    expect(stored.map((e) => e.eventId)).toEqual(['fine']);
  });

  it('stores session ids hashed, like user ids', async () => {
    const search = await request(app)
      .get('/v1/search')
      .query({ q: 'drill', session_id: 'raw-session-42' })
      .expect(200);
    const product = search.body.hits[0].id;
    await request(app)
      .post('/v1/events')
      .send(
        click('by-session', {
          user_id: undefined,
          session_id: 'raw-session-42',
          query_id: search.body.query_id,
          product_id: product,
        }),
      )
      .expect(200);
    const impression = await runtime.eventStore.impression(search.body.query_id);
    const [event] = await runtime.eventStore.eventsForQueries([search.body.query_id]);
    expect(impression?.sessionId).toBeDefined();
    expect(impression?.sessionId).not.toContain('raw-session');
    expect(event?.sessionId).toBe(impression?.sessionId);
  });
});

describe('the event window is configurable', () => {
  it('takes past events when EVENT_MAX_AGE_HOURS is off (replayed traffic)', async () => {
    const runtime = await createTestRuntime({ EVENT_MAX_AGE_HOURS: 'off' });
    try {
      const app = runtime.createApp();
      await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
      const res = await request(app)
        .post('/v1/events')
        .send({
          event_id: 'old',
          type: 'click',
          user_id: 'u',
          product_id: 'drill-1',
          timestamp: '2020-01-01T00:00:00Z',
        })
        .expect(200);
      expect(res.body.accepted).toBe(1);
      const future = await request(app)
        .post('/v1/events')
        .send({
          event_id: 'f',
          type: 'click',
          user_id: 'u',
          product_id: 'drill-1',
          timestamp: '9999-01-01T00:00:00Z',
        })
        .expect(422);
      expect(codes(future.body)).toEqual([[0, ['timestamp_in_future']]]);
    } finally {
      await runtime.close();
    }
  });
});
