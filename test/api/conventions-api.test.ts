/**
 * What a shop's developers expect of an HTTP API: CORS on the endpoints a shop page calls
 * from another origin (and nowhere else), request ids accepted, echoed and carried by every
 * log line of the request, and one access log line per request without shopper data.
 */
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProducts } from '../../src/catalog/demo-catalog.ts';
import { loadConfig } from '../../src/main/config.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

const SHOP = 'https://shop.example.com';

describe('CORS', () => {
  let open: Runtime;
  let listed: Runtime;
  beforeAll(async () => {
    open = await createTestRuntime({ EMBEDDER: 'hashing' });
    listed = await createTestRuntime({ EMBEDDER: 'hashing', CORS_ORIGINS: `${SHOP}, http://localhost:3000` });
  });
  afterAll(async () => {
    await open.close();
    await listed.close();
  });

  it('lets a page on any origin search, suggest and send events by default, without credentials', async () => {
    const app = open.createApp();
    for (const path of ['/v1/search?q=drill', '/v1/suggest?q=dr']) {
      const res = await request(app).get(path).set('Origin', SHOP).expect(200);
      expect(res.headers['access-control-allow-origin'], path).toBe('*');
      expect(res.headers['access-control-allow-credentials'], path).toBeUndefined();
      expect(res.headers['access-control-expose-headers'], path).toContain('X-Request-Id');
    }
  });

  it('answers the preflight of a JSON events POST', async () => {
    const res = await request(open.createApp())
      .options('/v1/events')
      .set('Origin', SHOP)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']?.toLowerCase()).toContain('content-type');
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  it('lets a product or home page read the recommendation lists, preflight included', async () => {
    const app = open.createApp();
    for (const path of ['/v1/recommendations?session_id=s-1', '/v1/trending', '/v1/products/x/similar']) {
      const res = await request(app).get(path).set('Origin', SHOP);
      expect(res.headers['access-control-allow-origin'], path).toBe('*');
      expect(res.headers['access-control-allow-credentials'], path).toBeUndefined();
    }
    for (const path of ['/v1/products/x/bought-together', '/v1/recommendations']) {
      const preflight = await request(app)
        .options(path)
        .set('Origin', SHOP)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'x-request-id')
        .expect(204);
      expect(preflight.headers['access-control-allow-origin'], path).toBe('*');
      expect(preflight.headers['access-control-allow-methods'], path).toContain('GET');
      expect(preflight.headers['access-control-allow-headers']?.toLowerCase(), path).toContain(
        'x-request-id',
      );
    }
    const listedApp = listed.createApp();
    const allowed = await request(listedApp).get('/v1/trending').set('Origin', SHOP).expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);
    const other = await request(listedApp).get('/v1/trending').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives the catalog, shopper-data and admin endpoints no CORS headers', async () => {
    const app = open.createApp();
    for (const path of [
      '/v1/admin/jobs',
      '/v1/users/u-1/profile',
      '/v1/products/x',
      '/v1/products/x/y/similar',
    ]) {
      const res = await request(app).get(path).set('Origin', SHOP);
      expect(res.headers['access-control-allow-origin'], path).toBeUndefined();
    }
  });

  it('with CORS_ORIGINS, allows the listed origins only', async () => {
    const app = listed.createApp();
    const allowed = await request(app).get('/v1/suggest?q=dr').set('Origin', SHOP).expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);
    expect(allowed.headers.vary).toContain('Origin');
    const other = await request(app)
      .get('/v1/suggest?q=dr')
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a CORS_ORIGINS entry that is not an origin, naming it', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'shop.example.com' })).toThrow(
      /CORS_ORIGINS: "shop.example.com" is not an origin/,
    );
    expect(() => loadConfig({ CORS_ORIGINS: 'https://shop.example.com/path' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ CORS_ORIGINS: 'off' }).http.corsOrigins).toEqual([]);
    expect(loadConfig({}).http.corsOrigins).toBe('*');
  });
});

describe('request ids and access logs', () => {
  const lines: Record<string, unknown>[] = [];
  let runtime: Runtime;
  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    runtime = await createTestRuntime({ EMBEDDER: 'hashing' }, { logger });
    await runtime.catalog.ingest(demoProducts().slice(0, 50));
  });
  afterAll(() => runtime.close());
  const of = (id: string) => lines.filter((line) => line.request_id === id);

  it('keeps a sane X-Request-Id, echoes it, and logs one access line with it', async () => {
    const res = await request(runtime.createApp())
      .get('/v1/search?q=drill&user_id=shopper-secret')
      .set('X-Request-Id', 'shop-req.42:a')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('shop-req.42:a');
    const logged = of('shop-req.42:a');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET' },
      route: '/v1/search',
      res: { status: 200 },
    });
    expect(typeof logged[0]!.duration_ms).toBe('number');
    // Queries and shopper ids are shopper data: not in the access log.
    expect(JSON.stringify(logged)).not.toContain('shopper-secret');
  });

  it('replaces a missing or insane id with a generated one', async () => {
    const app = runtime.createApp();
    for (const given of [undefined, 'has spaces and <tags>', 'x'.repeat(129)]) {
      const req = request(app).get('/v1/suggest?q=dr');
      const res = await (given === undefined ? req : req.set('X-Request-Id', given)).expect(200);
      expect(res.headers['x-request-id'], String(given)).toMatch(/^[0-9a-f-]{36}$/);
      expect(of(res.headers['x-request-id']!)).toHaveLength(1);
    }
  });

  it('logs client errors as warnings, and route templates, never raw paths', async () => {
    const app = runtime.createApp();
    const bad = await request(app).get('/v1/search?size=1000&q=x').expect(400);
    expect(of(bad.headers['x-request-id']!)[0]).toMatchObject({ level: 40, res: { status: 400 } });
    const profile = await request(app).get('/v1/users/anna-smith/profile').expect(200);
    const line = of(profile.headers['x-request-id']!)[0]!;
    expect(line).toMatchObject({ req: { method: 'GET' }, route: '/v1/users/:id/profile' });
  });

  it('does not log probes and scrapes', async () => {
    const before = lines.length;
    await request(runtime.createApp()).get('/healthz').expect(200);
    await request(runtime.createApp()).get('/metrics').expect(200);
    expect(lines.slice(before).filter((line) => line.msg === 'request completed')).toEqual([]);
  });
});
