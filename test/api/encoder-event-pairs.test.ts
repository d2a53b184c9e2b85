/**
 * The encoder learns from what shoppers searched and then clicked or bought: each searched
 * query with the text of the product acted on, once per (query, product).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTrainingPairs } from '../../src/jobs/encoder-adaptation.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

describe('encoder training pairs from logged events', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime({ EMBEDDER: 'hashing' });
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  async function searchAndAct(q: string, productId: string, types: string[]) {
    const search = await request(app).get('/v1/search').query({ q, user_id: 'erin' }).expect(200);
    const position = search.body.hits.findIndex((h: { id: string }) => h.id === productId) + 1;
    expect(position).toBeGreaterThan(0);
    const now = Date.now();
    await request(app)
      .post('/v1/events')
      .send(
        types.map((type, i) => ({
          event_id: `${search.body.query_id}:${type}`,
          type,
          user_id: 'erin',
          query_id: search.body.query_id,
          product_id: productId,
          position,
          timestamp: new Date(now + i).toISOString(),
        })),
      )
      .expect(200);
  }

  it('pairs each query with the product text shoppers acted on, once', async () => {
    await searchAndAct('lawn mower', 'mower-2', ['click', 'purchase']);
    await searchAndAct('Lawn Mower', 'mower-2', ['click']);
    await searchAndAct('drill', 'drill-1', ['add_to_cart']);
    await request(app).get('/v1/search').query({ q: 'hose' }).expect(200); // no action: no pair

    const pairs = await eventTrainingPairs(runtime.eventStore, runtime.backend, { since: 0 });
    const mower = FIXTURE_PRODUCTS.find((p) => p.id === 'mower-2')!;
    const drill = FIXTURE_PRODUCTS.find((p) => p.id === 'drill-1')!;
    // "lawn mower" and "Lawn Mower" on the same product are one pair (either spelling).
    const lowered = pairs.map((p) => ({ ...p, query: p.query.toLowerCase() }));
    expect(lowered).toHaveLength(2);
    expect(lowered).toContainEqual({ query: 'lawn mower', product: expect.stringContaining(mower.title) });
    expect(lowered).toContainEqual({ query: 'drill', product: expect.stringContaining(drill.title) });
  });

  it('leaves out products deleted since the click', async () => {
    await searchAndAct('wrench', 'wrench-1', ['click']);
    await request(app).delete('/v1/products/wrench-1').expect(204);
    const pairs = await eventTrainingPairs(runtime.eventStore, runtime.backend, { since: 0 });
    expect(pairs.map((p) => p.query)).not.toContain('wrench');
  });
});
