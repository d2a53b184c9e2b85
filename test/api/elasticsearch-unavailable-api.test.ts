/**
 * The real client against a port where nothing listens: the API answers 503 with
 * Retry-After, /readyz fails, nothing crashes; then a minimal HTTP stand-in for
 * Elasticsearch starts on that port and the same runtime recovers without a restart.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIndexDefinition } from '../../src/backends/elasticsearch/index-settings.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const ALIAS = 'shop';
const DRILL = {
  id: 'drill-1',
  title: 'Cordless Drill',
  brand: 'DeWalt',
  price: 99,
  category: ['Tools', 'Drills'],
};

/** Just enough of Elasticsearch for start-up, readiness and one search. */
function elasticsearchStandIn(mappings: unknown): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = `${req.method} ${url.pathname}`;
      const json = (status: number, payload?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
        res.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      const hits = (score: number) => ({
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          total: { value: 1, relation: 'eq' },
          max_score: score,
          hits: [{ _index: 'shop-000001', _id: 'drill-1', _score: score }],
        },
      });
      // Shopper data (the event store's indices): set up on first use, no history yet;
      // each index's template first.
      if (
        /^PUT \/_index_template\/shop-(events|impressions|profiles|product-stats|query-product-stats|engagement-lists)$/.test(
          route,
        )
      ) {
        return json(200, { acknowledged: true });
      }
      if (
        /^PUT \/shop-(events|impressions|profiles|product-stats|query-product-stats|engagement-lists)$/.test(
          route,
        )
      ) {
        return json(200, { acknowledged: true });
      }
      switch (route) {
        case 'GET /shop-product-stats/_refresh':
        case 'GET /shop-query-product-stats/_refresh':
          return json(200, { _shards: { total: 1, successful: 1, failed: 0 } });
        case 'POST /shop-product-stats/_mget':
        case 'POST /shop-query-product-stats/_mget':
          return json(200, { docs: [] });
        case 'POST /shop-product-stats/_search':
        case 'POST /shop-query-product-stats/_search':
          return json(200, {
            ...hits(0),
            hits: { total: { value: 0, relation: 'eq' }, max_score: null, hits: [] },
            aggregations: {
              impressions: { value: 0 },
              examinations: { value: 0 },
              clicks: { value: 0 },
              carts: { value: 0 },
              purchases: { value: 0 },
            },
          });
        case 'HEAD /':
        case `HEAD /_alias/${ALIAS}`:
          return json(200);
        case 'GET /':
          return json(200, {
            name: 'stand-in',
            version: { number: '8.17.0', build_flavor: 'default' },
            tagline: 'You Know, for Search',
          });
        case 'GET /_license':
          return json(200, { license: { type: 'basic', status: 'active' } });
        case `PUT /_ingest/pipeline/${ALIAS}-ingest`:
          return json(200, { acknowledged: true });
        case `PUT /_synonyms/${ALIAS}-synonyms`:
          return json(200, { result: 'created' });
        case `GET /_alias/${ALIAS}`:
          return json(200, { 'shop-000001': { aliases: { [ALIAS]: {} } } });
        case `GET /${ALIAS}/_mapping`:
          return json(200, { 'shop-000001': { mappings } });
        case `POST /${ALIAS}/_search`:
          // kNN scores are (1 + cos) / 2; BM25 scores are unbounded.
          return json(200, hits(body.includes('"knn"') ? 0.9 : 2.5));
        case `POST /${ALIAS}/_mget`:
          return json(200, {
            docs: [{ _index: 'shop-000001', _id: 'drill-1', found: true, _source: DRILL }],
          });
        default:
          return json(404, { error: { type: 'not_in_stand_in', reason: route }, status: 404 });
      }
    });
  });
}

describe('Elasticsearch unreachable', () => {
  let port: number;
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  let standIn: http.Server | undefined;

  beforeAll(async () => {
    port = await closedPort();
    runtime = await createTestRuntime({
      SEARCH_BACKEND: 'elasticsearch',
      ELASTICSEARCH_URL: `http://127.0.0.1:${port}`,
      ELASTICSEARCH_INDEX: ALIAS,
    });
    app = runtime.createApp();
  });

  afterAll(async () => {
    await runtime?.close();
    await new Promise((resolve) => (standIn ? standIn.close(resolve) : resolve(undefined)));
  });

  it('starts anyway: alive, not ready', async () => {
    await request(app).get('/healthz').expect(200);
    const ready = await request(app).get('/readyz').expect(503);
    expect(ready.body).toEqual({ status: 'not_ready', backend: 'elasticsearch' });
  });

  it('answers searches, browsing and writes with 503 and Retry-After', async () => {
    const started = performance.now();
    await request(app).get('/v1/search').query({ q: 'drill' }).expect(503);
    // Retries back off briefly: the caller gets the 503 at once, not after seconds of waiting.
    expect(performance.now() - started).toBeLessThan(2500);
    for (const call of [
      request(app).get('/v1/search').query({ q: 'cordless drill' }),
      request(app).get('/v1/search').query({ 'filter.brand': 'DeWalt' }),
      request(app)
        .post('/v1/products')
        .send([{ id: 'a', title: 'A' }]),
      request(app).get('/v1/products/a'),
    ]) {
      const res = await call.expect(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body.error).toMatchObject({ code: 'backend_unavailable' });
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|at .*\.js/); // no internals leak
    }
  });

  it('recovers by itself once the cluster answers', async () => {
    const { mappings } = loadIndexDefinition({
      dir: path.resolve('mappings/elasticsearch'),
      embedder: runtime.embedder.current,
      pipelineId: `${ALIAS}-ingest`,
    });
    standIn = elasticsearchStandIn(mappings);
    await new Promise<void>((resolve) => standIn!.listen(port, '127.0.0.1', resolve));

    await request(app).get('/readyz').expect(200, { status: 'ready', backend: 'elasticsearch' });
    const res = await request(app)
      .get('/v1/search')
      .query({ q: 'cordless drill battery', explain: 'true' }) // partly matched: both legs join
      .expect(200);
    expect(res.body.hits[0]).toMatchObject({ id: 'drill-1', product: DRILL });
    expect(res.body.hits[0].explain.bm25).toEqual({ rank: 1, score: 2.5 });
    expect(res.body.hits[0].explain.knn).toEqual({ rank: 1, score: expect.closeTo(0.8, 6) });
  });
});
