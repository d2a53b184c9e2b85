/**
 * One client cannot take more than its share of the public endpoints (429 with
 * Retry-After), and more requests at once than the service can answer get a quick 503
 * instead of everyone waiting (finding 3).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

describe('rate limits and load shedding', () => {
  const runtimes: Runtime[] = [];
  const start = async (env: Record<string, string>) => {
    const runtime = await createTestRuntime({ EMBEDDER: 'hashing', ...env });
    runtimes.push(runtime);
    return runtime;
  };
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close()));
  });

  it('answers 429 with Retry-After once a client goes over its per-minute limit', async () => {
    const runtime = await start({ RATE_LIMIT_SUGGEST_PER_MINUTE: '3', RATE_LIMIT_SEARCH_PER_MINUTE: '2' });
    const app = runtime.createApp();
    for (let i = 0; i < 3; i++) {
      const ok = await request(app).get('/v1/suggest?q=dr').expect(200);
      expect(ok.headers['ratelimit-policy']).toMatch(/^"suggest"; q=3; w=60/);
    }
    const limited = await request(app).get('/v1/suggest?q=dr').expect(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.body.error.message).toContain('3 suggest requests per minute');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Each endpoint has its own budget; probes have none.
    await request(app).get('/v1/search?q=drill').expect(200);
    await request(app).post('/v1/search').send({ q: 'drill' }).expect(200);
    await request(app).get('/v1/search?q=drill').expect(429);
    for (let i = 0; i < 20; i++) await request(app).get('/readyz').expect(200);
    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/http_rate_limited_total\{endpoint="suggest"\} 1/);
  });

  it('tells clients apart by the forwarded address only behind a trusted proxy', async () => {
    const trusting = (
      await start({ RATE_LIMIT_EVENTS_PER_MINUTE: '1', TRUST_PROXY: 'loopback' })
    ).createApp();
    const send = (forwardedFor: string) =>
      request(trusting).post('/v1/events').set('x-forwarded-for', forwardedFor).send([]);
    expect((await send('203.0.113.1')).status).toBe(200);
    expect((await send('203.0.113.2')).status).toBe(200);
    expect((await send('203.0.113.1')).status).toBe(429);
    const direct = (await start({ RATE_LIMIT_EVENTS_PER_MINUTE: '1' })).createApp();
    expect(
      (await request(direct).post('/v1/events').set('x-forwarded-for', '203.0.113.1').send([])).status,
    ).toBe(200);
    expect(
      (await request(direct).post('/v1/events').set('x-forwarded-for', '203.0.113.2').send([])).status,
    ).toBe(429);
  });

  it('lets RATE_LIMIT=off switch the limits off', async () => {
    const app = (await start({ RATE_LIMIT: 'off', RATE_LIMIT_SUGGEST_PER_MINUTE: '1' })).createApp();
    for (let i = 0; i < 5; i++) await request(app).get('/v1/suggest?q=dr').expect(200);
  });

  it('sheds a request with 503 and Retry-After when every slot is busy, and serves again after', async () => {
    const runtime = await start({ MAX_CONCURRENT_REQUESTS: '1', MAX_QUEUE_WAIT_MS: '200' });
    const server = runtime.createApp().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // A catalog upload that streams slowly holds the only slot while its body arrives.
      const upload = http.request({
        port,
        method: 'POST',
        path: '/v1/products',
        headers: { 'content-type': 'application/x-ndjson' },
      });
      const uploaded = new Promise<{ status: number; body: string }>((resolve, reject) => {
        upload.on('response', (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        upload.on('error', reject);
      });
      upload.write(`${JSON.stringify({ id: 'slow-1', title: 'Slowly uploaded drill' })}\n`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const base = `http://127.0.0.1:${port}`;
      const started = performance.now();
      const shed = await fetch(`${base}/v1/search?q=drill`);
      const waited = performance.now() - started;
      expect(shed.status).toBe(503);
      expect(shed.headers.get('retry-after')).toBe('1');
      expect(((await shed.json()) as { error: { code: string } }).error.code).toBe('overloaded');
      expect(waited).toBeLessThan(2000);
      // Probes are never shed.
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      upload.end(`${JSON.stringify({ id: 'slow-2', title: 'Slowly uploaded saw' })}\n`);
      const done = await uploaded;
      expect(done.status).toBe(200);
      expect(JSON.parse(done.body)).toMatchObject({ accepted: 2 });
      expect((await fetch(`${base}/v1/search?q=drill`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/http_shed_requests_total 1/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
