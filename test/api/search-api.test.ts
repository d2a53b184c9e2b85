import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

describe('GET /v1/search', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  it('answers a hybrid query with hits, facets, a query id and per-stage timings', async () => {
    const res = await request(app).get('/v1/search').query({ q: 'lawn mowers' }).expect(200);
    expect(res.body.mode).toBe('hybrid');
    expect(res.body.query_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      res.body.hits
        .slice(0, 2)
        .map((h: { id: string }) => h.id)
        .sort(),
    ).toEqual(['mower-1', 'mower-2']);
    expect(res.body.hits[0].product.title).toContain('Mower');
    expect(res.body.facets.brand).toEqual(
      expect.arrayContaining([{ value: 'EGO', count: expect.any(Number) }]),
    );
    for (const stage of ['parse', 'embed', 'bm25', 'knn', 'fuse', 'facets', 'fetch']) {
      expect(res.body.took.stages[stage]).toBeGreaterThanOrEqual(0);
    }
    expect(res.body.took.total_ms).toBeGreaterThan(0);
  });

  it('finds a Chinese product by part of its title', async () => {
    const res = await request(app).get('/v1/search').query({ q: '运动鞋' }).expect(200);
    expect(res.body.hits[0].id).toBe('shoe-zh-1');
  });

  it('filters by brand, category, price and stock', async () => {
    const res = await request(app)
      .get(
        '/v1/search?q=mower&filter.brand=EGO&filter.brand=Honda&filter.category=Garden&filter.price_max=500&filter.in_stock=false',
      )
      .expect(200);
    expect(res.body.hits.map((h: { id: string }) => h.id)).toEqual(['mower-2']);
  });

  it('counts facets over the filtered results', async () => {
    const res = await request(app).get('/v1/search?filter.category=Tools&facets=brand,price').expect(200);
    expect(res.body.total).toBe(3);
    expect(res.body.facets.category).toBeUndefined();
    expect(res.body.facets.brand).toEqual([
      { value: 'Bosch', count: 1 },
      { value: 'Craftsman', count: 1 },
      { value: 'DeWalt', count: 1 },
    ]);
    expect(
      res.body.facets.price.map((b: { count: number }) => b.count).reduce((a: number, b: number) => a + b),
    ).toBe(3);
  });

  it('pages and sorts', async () => {
    const page1 = await request(app).get('/v1/search?filter.in_stock=true&sort=price_asc&size=2').expect(200);
    const page2 = await request(app)
      .get('/v1/search?filter.in_stock=true&sort=price_asc&size=2&page=2')
      .expect(200);
    const prices = [...page1.body.hits, ...page2.body.hits].map(
      (h: { product: { price?: number } }) => h.product.price,
    );
    // The wrench has no stock information: unknown stock counts as in stock.
    expect(prices).toEqual([14.98, 34.9, 39.99, 99]);
  });

  it('explains each hit with its BM25 rank, kNN rank and fused score', async () => {
    // The best keyword hit holds 2 of the 3 words: the vector leg fills in with weight 1/3.
    const res = await request(app)
      .get('/v1/search')
      .query({ q: 'cordless drill battery', explain: 'true' })
      .expect(200);
    const top = res.body.hits[0];
    expect(top.id).toBe('drill-1');
    expect(top.explain.bm25).toEqual({ rank: 1, score: expect.any(Number) });
    expect(top.explain.knn).toEqual({ rank: expect.any(Number), score: expect.any(Number) });
    // The default fusion (mappings/search.yaml): a normalized weighted sum, the vector weight gated.
    expect(top.explain.fused).toEqual({
      method: 'weighted',
      score: top.score,
      rank: 1,
      knn_weight: expect.closeTo(1 / 3, 10),
      query_coverage: expect.closeTo(2 / 3, 10),
    });
    expect(top.score).toBeLessThanOrEqual(1 + 1 / 3 + 1e-9);
  });

  it('leaves the vector leg out when the best keyword hit holds every query word', async () => {
    const res = await request(app)
      .get('/v1/search')
      .query({ q: 'cordless drill', explain: 'true' })
      .expect(200);
    expect(res.body.hits[0].id).toBe('drill-1');
    expect(res.body.hits[0].explain.fused).toMatchObject({ knn_weight: 0, query_coverage: 1 });
    for (const hit of res.body.hits) expect(hit.explain.bm25).not.toBeNull();
  });

  it('fuses by reciprocal rank on request', async () => {
    const res = await request(app)
      .get('/v1/search')
      .query({ q: 'cordless drill battery', explain: 'true', fusion: 'rrf' });
    expect(res.status).toBe(200);
    const top = res.body.hits[0];
    expect(top.explain.fused.method).toBe('rrf');
    const k = 60;
    const expected =
      1 / (k + top.explain.bm25.rank) + top.explain.fused.knn_weight / (k + top.explain.knn.rank);
    expect(top.score).toBeCloseTo(expected, 10);
  });

  it('accepts the same search as a JSON body', async () => {
    const res = await request(app)
      .post('/v1/search')
      .send({ q: 'mower', filters: { brand: ['Honda'] }, size: 5 })
      .expect(200);
    expect(res.body.hits.map((h: { id: string }) => h.id)).toEqual(['mower-1']);
  });
});
