/**
 * With ADMIN_API_KEY set, catalog writes and shopper data need the key; searching,
 * suggestions and the shoppers' own events stay public.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

const KEY = 'test-admin-key-0123456789';

describe('API keys', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime({ ADMIN_API_KEY: KEY, EMBEDDER: 'hashing' });
    app = runtime.createApp();
  });
  afterAll(() => runtime.close());

  it('refuses catalog writes without the key and takes them with it', async () => {
    const refused = await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(401);
    expect(refused.body.error.code).toBe('unauthorized');
    expect(await runtime.backend.countProducts()).toBe(0);
    await request(app).post('/v1/products').set('x-api-key', KEY).send(FIXTURE_PRODUCTS).expect(200);
    await request(app).delete(`/v1/products/${FIXTURE_PRODUCTS[0]!.id}`).expect(401);
    await request(app)
      .delete(`/v1/products/${FIXTURE_PRODUCTS[0]!.id}`)
      .set('authorization', `Bearer ${KEY}`)
      .expect(204);
  });

  it('keeps shopper profiles and erasure behind the key, events and search public', async () => {
    await request(app).get('/v1/search').query({ q: 'drill', user_id: 'dana' }).expect(200);
    await request(app)
      .post('/v1/events')
      .send([
        {
          event_id: 'k-1',
          type: 'click',
          user_id: 'dana',
          product_id: FIXTURE_PRODUCTS[1]!.id,
          timestamp: new Date().toISOString(),
        },
      ])
      .expect(200);
    await request(app).get('/v1/users/dana/profile').expect(401);
    await request(app).delete('/v1/users/dana').set('x-api-key', 'wrong-key-0123456789').expect(401);
    const profile = await request(app).get('/v1/users/dana/profile').set('x-api-key', KEY).expect(200);
    expect(profile.body.counts.clicks).toBe(1);
    await request(app).delete('/v1/users/dana').set('x-api-key', KEY).expect(200);
  });
});
