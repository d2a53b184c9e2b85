import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { RECOMMENDATION_PRODUCTS } from '../fixtures/recommendation-catalog.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
let eventId = 0;
const event = (type: string, shopper: Record<string, string>, productId: string, minutes = 60) => ({
  event_id: `rec-${++eventId}`,
  type,
  ...shopper,
  product_id: productId,
  timestamp: ago(minutes),
});

interface Hit {
  id: string;
  product: { category?: string[]; brand?: string; in_stock?: boolean };
  explain?: { sources: string[]; reason: string; co_purchase?: { support: number } };
}

const categoryOf = (hit: Hit) => hit.product.category?.join(' > ') ?? '';

describe('recommendations API', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
    await request(app).post('/v1/products').send(RECOMMENDATION_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  describe('cold start: no events yet', () => {
    it('serves a new shopper the popular products, several categories in the first four', async () => {
      const res = await request(app)
        .get('/v1/recommendations')
        .query({ session_id: 'nobody', size: 8, explain: true })
        .expect(200);
      expect(res.body).toMatchObject({ kind: 'feed', strategy: 'trending' });
      const hits = res.body.hits as Hit[];
      expect(hits).toHaveLength(8);
      expect(hits[0]!.explain!.sources).toEqual(['popular']);
      expect(new Set(hits.slice(0, 4).map(categoryOf)).size).toBeGreaterThanOrEqual(3);
    });

    it('answers trending from the catalog popularity order until there is engagement', async () => {
      const res = await request(app).get('/v1/trending').query({ category: 'Home' }).expect(200);
      expect(res.body.strategy).toBe('popular');
      expect(res.body.hits.map((h: Hit) => h.id).sort()).toEqual(
        ['dutch-oven', 'knife-block', 'knife-chef', 'skillet'].sort(),
      );
    });

    it('falls back to related categories for bought-together without purchases', async () => {
      const res = await request(app)
        .get('/v1/products/knife-chef/bought-together')
        .query({ explain: true, size: 5 })
        .expect(200);
      expect(res.body.strategy).toBe('fallback');
      const hits = res.body.hits as Hit[];
      expect(hits.length).toBeGreaterThan(0);
      for (const hit of hits) {
        expect(hit.id).not.toBe('knife-chef');
        expect(categoryOf(hit)).toBe('Home > Kitchen > Cookware');
        expect(hit.explain!.sources).toContain('related_category');
      }
    });
  });

  describe('with engagement and the recommendations job', () => {
    beforeAll(async () => {
      const events = [];
      for (const s of ['s1', 's2', 's3', 's4']) {
        events.push(event('click', { session_id: s }, 'drill-v1', 300));
        events.push(event('click', { session_id: s }, 'battery-dewalt', 290));
      }
      for (const s of ['s1', 's2', 's3']) {
        events.push(event('purchase', { session_id: s }, 'drill-v1', 280));
        events.push(event('purchase', { session_id: s }, 'battery-dewalt', 280));
      }
      for (const s of ['s1', 's2']) events.push(event('purchase', { session_id: s }, 'bits-set', 270));
      events.push(event('purchase', { session_id: 's5' }, 'drill-v1', 260));
      events.push(event('purchase', { session_id: 's5' }, 'knife-block', 260));
      for (const s of ['p1', 'p2', 'p3'])
        for (const id of ['paint-white', 'paint-grey', 'brush-angled'])
          events.push(event('click', { user_id: s }, id, 200));
      for (const s of ['p1', 'p2']) events.push(event('purchase', { user_id: s }, 'roller-kit', 190));
      const res = await request(app).post('/v1/events').send(events).expect(200);
      expect(res.body.rejected).toBe(0);
      const run = await runtime.jobs.runner.run('recommendations', 'api');
      expect(run.status).toBe('succeeded');
      expect(run.counts).toMatchObject({ events: events.length });
      expect(run.counts!.co_click).toBeGreaterThan(0);
      expect(run.counts!.similar).toBe(RECOMMENDATION_PRODUCTS.length);
    });

    it('lists trending products by recent engagement, per category too', async () => {
      const all = await request(app).get('/v1/trending').query({ size: 3 }).expect(200);
      expect(all.body.strategy).toBe('trending');
      expect(['drill-v1', 'battery-dewalt']).toContain(all.body.hits[0].id);
      const paint = await request(app)
        .get('/v1/trending')
        .query({ category: 'Paint', explain: true })
        .expect(200);
      for (const hit of paint.body.hits as Hit[]) expect(hit.product.category![0]).toBe('Paint');
      expect(paint.body.hits[0].explain.sources).toEqual(['trending']);
    });

    it('shows similar products: vector neighbours and co-clicks, not five variants of one drill', async () => {
      const res = await request(app)
        .get('/v1/products/drill-v1/similar')
        .query({ size: 5, explain: true })
        .expect(200);
      const hits = res.body.hits as Hit[];
      const ids = hits.map((h) => h.id);
      expect(ids).not.toContain('drill-v1');
      expect(ids.filter((id) => id.startsWith('drill-v')).length).toBeLessThanOrEqual(2);
      expect(ids.some((id) => ['drill-makita', 'drill-bosch', 'drill-ryobi'].includes(id))).toBe(true);
      const battery = hits.find((h) => h.id === 'battery-dewalt');
      expect(battery?.explain?.sources).toContain('co_click');
      expect(battery?.explain?.reason).toMatch(/also clicked by 4 shoppers/);
    });

    it('applies the search filters to similar products', async () => {
      const bosch = await request(app)
        .get('/v1/products/drill-v1/similar')
        .query({ 'filter.brand': 'Bosch' })
        .expect(200);
      expect(bosch.body.hits.length).toBeGreaterThan(0);
      for (const hit of bosch.body.hits as Hit[]) expect(hit.product.brand).toBe('Bosch');
      const inStock = await request(app)
        .get('/v1/products/drill-v1/similar')
        .query({ 'filter.in_stock': 'true', size: 20 })
        .expect(200);
      expect(inStock.body.hits.map((h: Hit) => h.id)).not.toContain('drill-ryobi');
    });

    it('lists what is bought together above the minimum support, then complementary categories', async () => {
      const res = await request(app)
        .get('/v1/products/drill-v1/bought-together')
        .query({ size: 4, explain: true })
        .expect(200);
      const hits = res.body.hits as Hit[];
      expect(hits[0]).toMatchObject({ id: 'battery-dewalt', explain: { co_purchase: { support: 3 } } });
      expect(hits[1]).toMatchObject({ id: 'bits-set', explain: { co_purchase: { support: 2 } } });
      // One shopper bought a knife block with the drill: below min_support, and Knives never complements.
      expect(hits.map((h) => h.id)).not.toContain('knife-block');
      expect(res.body.strategy).toBe('co_purchase+fallback');
      const complements = hits.slice(2);
      expect(complements.length).toBeGreaterThan(0);
      for (const hit of complements) {
        expect(hit.explain!.sources).toContain('complementary_category');
        expect(['Tools > Power Tools > Batteries', 'Tools > Accessories > Drill Bits']).toContain(
          categoryOf(hit),
        );
      }
    });

    it('personalizes an anonymous session at once from its events, without the job', async () => {
      const clicks = ['paint-white', 'paint-grey', 'brush-angled'].map((id, i) =>
        event('click', { session_id: 'anon-9' }, id, 3 - i),
      );
      await request(app).post('/v1/events').send(clicks).expect(200);
      const res = await request(app)
        .get('/v1/recommendations')
        .query({ session_id: 'anon-9', size: 6, explain: true })
        .expect(200);
      expect(res.body.strategy).toBe('personal');
      const hits = res.body.hits as Hit[];
      const ids = hits.map((h) => h.id);
      for (const seen of ['paint-white', 'paint-grey', 'brush-angled']) expect(ids).not.toContain(seen);
      expect(hits.slice(0, 2).map((h) => h.product.category![0])).toEqual(['Paint', 'Paint']);
      expect(hits[0]!.explain!.reason).not.toBe('');
    });

    it('reads the user and the session together after a login mid-session', async () => {
      await request(app)
        .post('/v1/events')
        .send([
          event('purchase', { user_id: 'zoe' }, 'skillet', 100),
          event('click', { user_id: 'zoe' }, 'dutch-oven', 99),
        ])
        .expect(200);
      const user = await request(app)
        .get('/v1/recommendations')
        .query({ user_id: 'zoe', size: 6 })
        .expect(200);
      const both = await request(app)
        .get('/v1/recommendations')
        .query({ user_id: 'zoe', session_id: 'anon-9', size: 6 })
        .expect(200);
      const departments = (hits: Hit[]) => hits.slice(0, 4).map((h) => h.product.category![0]);
      expect(departments(user.body.hits).slice(0, 2)).toEqual(['Home', 'Home']);
      const paint = (hits: Hit[]) => departments(hits).filter((d) => d === 'Paint').length;
      expect(departments(both.body.hits)).toContain('Home');
      expect(paint(both.body.hits)).toBeGreaterThan(paint(user.body.hits));
    });
  });

  describe('neighbours precomputed by the job', () => {
    const similarIds = async (id: string) =>
      (
        (await request(app).get(`/v1/products/${id}/similar`).query({ size: 50 }).expect(200)).body
          .hits as Hit[]
      ).map((h) => h.id);

    it("lists each product's kNN neighbours, and a product newer than the run gets the kNN per request", async () => {
      const listed = (await runtime.eventStore.engagementLists('similar', ['drill-v1'])).get('drill-v1')!;
      expect(listed.length).toBe(RECOMMENDATION_PRODUCTS.length - 1);
      expect(listed.map((i) => i.id)).not.toContain('drill-v1');
      expect(listed[0]!.weight).toBeGreaterThanOrEqual(listed.at(-1)!.weight);
      const fresh = {
        id: 'drill-fresh',
        title: 'DeWalt 20V Max Cordless Drill Driver Kit Green',
        brand: 'DeWalt',
        category: ['Tools', 'Power Tools', 'Drills'],
        price: 129,
        popularity: 1,
        in_stock: true,
      };
      await request(app).post('/v1/products').send([fresh]).expect(200);
      try {
        // Not in the lists the job wrote before it existed; its own page runs the kNN.
        expect(await similarIds('drill-v1')).not.toContain('drill-fresh');
        const own = await similarIds('drill-fresh');
        expect(own.filter((id) => id.startsWith('drill-')).length).toBeGreaterThan(2);
        const run = await runtime.jobs.runner.run('recommendations', 'api');
        expect(run.counts!.similar).toBe(RECOMMENDATION_PRODUCTS.length + 1);
        expect(await similarIds('drill-v1')).toContain('drill-fresh');
      } finally {
        await request(app).delete('/v1/products/drill-fresh').expect(204);
      }
    });
  });

  describe('bad input', () => {
    it('answers 404 for an unknown product and 400 naming the field for bad parameters', async () => {
      const missing = await request(app).get('/v1/products/nope/similar').expect(404);
      expect(missing.body.error.code).toBe('not_found');
      const size = await request(app).get('/v1/products/drill-v1/similar').query({ size: 0 }).expect(400);
      expect(size.body.error.details[0].field).toBe('size');
      const filter = await request(app)
        .get('/v1/products/drill-v1/bought-together')
        .query({ 'filter.colour': 'red' })
        .expect(400);
      expect(filter.body.error.details[0]).toMatchObject({ field: 'filter.colour', rule: 'unknown_filter' });
      const unknown = await request(app).get('/v1/trending').query({ q: 'drill' }).expect(400);
      expect(unknown.body.error.details[0]).toMatchObject({ field: 'q', rule: 'unknown_parameter' });
      await request(app).get('/v1/products/%FF/similar').expect(400);
      const range = await request(app)
        .get('/v1/recommendations')
        .query({ session_id: 'x', 'filter.price_min': 50, 'filter.price_max': 10 })
        .expect(400);
      expect(range.body.error.details[0].field).toBe('filters.price_min');
    });
  });
});
