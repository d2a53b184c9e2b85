/**
 * A cluster that refuses work with 429 (its write or search queue is full), through the
 * HTTP API of a runtime on the fake cluster: every such answer is a 503 `cluster_busy` with
 * Retry-After, never a 500, and the service answers normally once the cluster has room.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { emptySearchResponse, FakeElasticsearch, responseError } from '../helpers/fake-elasticsearch.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

const KEY = 'test-admin-key-0123456789';

describe('Elasticsearch busy (429) through the API', () => {
  const es = new FakeElasticsearch();
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    es.onSearch = () => emptySearchResponse();
    runtime = await createTestRuntime(
      {
        SEARCH_BACKEND: 'elasticsearch',
        ELASTICSEARCH_URL: 'http://fake-elasticsearch:9200',
        ELASTICSEARCH_INDEX: 'shop',
        ADMIN_API_KEY: KEY,
        EMBEDDER: 'hashing',
        RATE_LIMIT: 'off',
      },
      { elasticsearchClient: es.client },
    );
    app = runtime.createApp();
  });

  afterAll(async () => {
    await runtime?.close();
  });

  const expectBusy = (response: request.Response) => {
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('cluster_busy');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  };

  it('answers a catalog write whose documents stay refused with 429 after the resends: 503 cluster_busy', async () => {
    es.bulkItemStatus = () => 429;
    const response = await request(app).post('/v1/products').set('x-api-key', KEY).send(FIXTURE_PRODUCTS);
    expectBusy(response);
    es.bulkItemStatus = () => undefined;
    await request(app).post('/v1/products').set('x-api-key', KEY).send(FIXTURE_PRODUCTS).expect(200);
  });

  it('answers a search the cluster refuses as a whole (request-level 429): 503 cluster_busy', async () => {
    es.onSearch = () => responseError(429, 'es_rejected_execution_exception', 'rejected execution of search');
    expectBusy(await request(app).post('/v1/search').send({ q: 'drill' }));
    es.onSearch = () => emptySearchResponse();
    await request(app).post('/v1/search').send({ q: 'drill' }).expect(200);
  });

  it('answers events the cluster refuses with 429: 503 cluster_busy, and takes them once it has room', async () => {
    const event = {
      event_id: 'evt-busy-1',
      type: 'click',
      user_id: 'shopper-1',
      product_id: FIXTURE_PRODUCTS[0]!.id,
      timestamp: new Date().toISOString(),
    };
    es.bulkItemStatus = (id) => (id.startsWith('evt-') ? 429 : undefined);
    expectBusy(await request(app).post('/v1/events').send([event]));
    es.bulkItemStatus = () => undefined;
    const accepted = await request(app).post('/v1/events').send([event]);
    expect(accepted.status).toBeLessThan(300);
  });

  it('answers a request-level 429 on any cluster call the same way (a realtime get)', async () => {
    es.requestFault = (r) =>
      r.path.endsWith('/_mget')
        ? responseError(429, 'circuit_breaking_exception', 'data too large')
        : undefined;
    expectBusy(await request(app).get(`/v1/products/${FIXTURE_PRODUCTS[0]!.id}`).set('x-api-key', KEY));
    es.requestFault = undefined;
    await request(app).get(`/v1/products/${FIXTURE_PRODUCTS[0]!.id}`).set('x-api-key', KEY).expect(200);
  });
});
