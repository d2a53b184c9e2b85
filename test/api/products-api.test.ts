import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

describe('/v1/products', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeEach(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
  });
  afterEach(() => runtime.close());

  it('ingests a JSON array and serves each product by id', async () => {
    const res = await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    expect(res.body).toMatchObject({ received: 10, accepted: 10, rejected: 0, created: 10, errors: [] });
    const product = await request(app).get('/v1/products/drill-1').expect(200);
    expect(product.body).toMatchObject({
      id: 'drill-1',
      brand: 'DeWalt',
      category: ['Tools', 'Power Tools', 'Drills'],
    });
  });

  it('ingests NDJSON for bulk loads', async () => {
    const ndjson = FIXTURE_PRODUCTS.slice(0, 3)
      .map((p) => JSON.stringify(p))
      .join('\n');
    const res = await request(app)
      .post('/v1/products')
      .set('Content-Type', 'application/x-ndjson')
      .send(ndjson);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 3, created: 3 });
  });

  it('stores the good records of a batch and names the index and fields of the bad ones', async () => {
    const batch = [
      { id: 'ok-1', title: 'Steel Wool Pads' },
      { id: 'bad-1', price: -3, in_stock: 'yes' },
      { id: 'ok-2', title: 'Putty Knife', price: 7.5 },
      { id: 'bad-2', title: 'Paint', colour: 'red', created_at: 'yesterday' },
      'not an object',
    ];
    const res = await request(app).post('/v1/products').send(batch);
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ received: 5, accepted: 2, rejected: 3, created: 2 });
    const byIndex = Object.fromEntries(
      res.body.errors.map((e: { index: number; errors: { path: string }[] }) => [
        e.index,
        e.errors.map((x) => x.path).sort(),
      ]),
    );
    expect(byIndex).toEqual({
      1: ['in_stock', 'price', 'title'],
      3: ['colour', 'created_at'],
      4: [''],
    });
    expect(res.body.errors[0].id).toBe('bad-1');
    await request(app).get('/v1/products/ok-1').expect(200);
    await request(app).get('/v1/products/ok-2').expect(200);
    await request(app).get('/v1/products/bad-1').expect(404);
  });

  it('reports a malformed NDJSON line by its index and keeps the others', async () => {
    const ndjson = [
      '{"id":"a","title":"Alpha Hammer"}',
      '{"id":"b", title}',
      '{"id":"c","title":"Claw Bar"}',
    ].join('\n');
    const res = await request(app)
      .post('/v1/products')
      .set('Content-Type', 'application/x-ndjson')
      .send(ndjson);
    expect(res.status).toBe(207);
    expect(res.body.errors).toEqual([
      { index: 1, errors: [expect.objectContaining({ path: '', code: 'invalid_json' })] },
    ]);
    expect(res.body.accepted).toBe(2);
  });

  it('answers 422 when every record is invalid', async () => {
    const res = await request(app)
      .post('/v1/products')
      .send([{ title: 'no id' }]);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].errors[0]).toMatchObject({ path: 'id' });
  });

  it('rejects a body that is not a product, a list or NDJSON', async () => {
    const res = await request(app)
      .post('/v1/products')
      .set('Content-Type', 'application/json')
      .send('"hello"');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ field: '(body)', rule: 'type' });
  });

  it('upserts idempotently: same record unchanged, new content updated, count stable', async () => {
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    const again = await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    expect(again.body).toMatchObject({ unchanged: 10, created: 0, updated: 0 });
    const renamed = await request(app)
      .post('/v1/products')
      .send({ ...FIXTURE_PRODUCTS[6], title: 'Craftsman 12 in. Pipe Wrench' })
      .expect(200);
    expect(renamed.body).toMatchObject({ updated: 1 });
    expect(await runtime.backend.countProducts()).toBe(10);
    const search = await request(app).get('/v1/search').query({ q: 'pipe wrench' }).expect(200);
    expect(search.body.hits[0].id).toBe('wrench-1');
    const old = await request(app).get('/v1/search').query({ q: 'adjustable', explain: 'true' }).expect(200);
    expect(old.body.hits.filter((h: { explain: { bm25: unknown } }) => h.explain.bm25)).toEqual([]);
  });

  it('deletes a product', async () => {
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    await request(app).delete('/v1/products/skillet-1').expect(204);
    await request(app).get('/v1/products/skillet-1').expect(404);
    await request(app).delete('/v1/products/skillet-1').expect(404);
    const res = await request(app).get('/v1/search').query({ q: 'cast iron skillet' }).expect(200);
    expect(res.body.hits.map((h: { id: string }) => h.id)).not.toContain('skillet-1');
  });
});

describe('restart durability', () => {
  it('keeps ingested products across a restart', async () => {
    const dataDir = temporaryDirectory();
    const first = await createTestRuntime({ DATA_DIR: dataDir });
    await request(first.createApp()).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    await first.close();

    const second = await createTestRuntime({ DATA_DIR: dataDir });
    try {
      const app = second.createApp();
      await request(app).get('/v1/products/mower-1').expect(200);
      const res = await request(app).get('/v1/search').query({ q: 'mowers' }).expect(200);
      expect(
        res.body.hits
          .slice(0, 2)
          .map((h: { id: string }) => h.id)
          .sort(),
      ).toEqual(['mower-1', 'mower-2']);
      expect(await second.backend.countProducts()).toBe(FIXTURE_PRODUCTS.length);
    } finally {
      await second.close();
    }
  });
});
