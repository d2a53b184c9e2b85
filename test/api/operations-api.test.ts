import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalogIfEmpty, type Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

describe('operations endpoints', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
  });
  afterAll(() => runtime.close());

  it('reports liveness and readiness', async () => {
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    const ready = await request(app).get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ready', backend: 'embedded' });
  });

  it('is not ready once the backend is closed', async () => {
    const other = await createTestRuntime();
    const otherApp = other.createApp();
    await other.backend.close();
    await request(otherApp).get('/readyz').expect(503);
  });

  it('exposes default metrics and request durations by route template', async () => {
    await request(app).get('/v1/search?q=drill');
    await request(app).get('/v1/products/some-id');
    const res = await request(app).get('/metrics').expect(200);
    expect(res.type).toMatch(/text\/plain/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/search",status_code="200"\} 1/,
    );
    expect(res.text).toMatch(/route="\/v1\/products\/:id",status_code="404"/);
    expect(res.text).not.toContain('some-id');
  });
});

describe('demo catalog', () => {
  it('loads on first start when the store is empty, and only then', async () => {
    const runtime = await createTestRuntime({ DEMO_CATALOG: 'auto' });
    try {
      const loaded = await loadDemoCatalogIfEmpty(runtime);
      expect(loaded).toBeGreaterThanOrEqual(300);
      expect(await loadDemoCatalogIfEmpty(runtime)).toBe(0);
      const app = runtime.createApp();
      const drills = await request(app).get('/v1/search').query({ q: 'cordless drill' }).expect(200);
      expect(drills.body.hits[0].product.category).toEqual(['Tools', 'Power Tools', 'Drills']);
      const shoes = await request(app).get('/v1/search').query({ q: '运动鞋' }).expect(200);
      expect(shoes.body.hits[0].product.language).toBe('zh');
    } finally {
      await runtime.close();
    }
  });
});
