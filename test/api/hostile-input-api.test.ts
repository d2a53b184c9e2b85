/**
 * Input an attacker or a careless client sends: malformed percent-escapes in path ids,
 * bodies far larger or deeper than a route needs, unsafe stored values, and the headers
 * every answer carries. Each is a 4xx JSON error naming what was wrong, never a 500.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

const KEY = 'test-admin-key-0123456789';

/** Every log line the service writes, to check what it logs about hostile requests. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('hostile input', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  const log = capturedLogger();

  beforeAll(async () => {
    runtime = await createTestRuntime(
      { ADMIN_API_KEY: KEY, EMBEDDER: 'hashing', SEARCH_MAX_BODY_KB: '4', EVENTS_MAX_BODY_KB: '8' },
      { logger: log.logger },
    );
    app = runtime.createApp();
    await request(app).post('/v1/products').set('x-api-key', KEY).send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  describe('malformed percent-escapes in path ids (finding 1)', () => {
    const routes: [string, (id: string) => string, string][] = [
      ['GET', (id) => `/v1/products/${id}`, 'id'],
      ['DELETE', (id) => `/v1/products/${id}`, 'id'],
      ['GET', (id) => `/v1/users/${id}/profile`, 'id'],
      ['DELETE', (id) => `/v1/users/${id}`, 'id'],
      ['POST', (id) => `/v1/admin/jobs/${id}/run`, 'name'],
    ];
    for (const [method, path, param] of routes) {
      for (const id of ['%FF', '%', '%zz', 'ab%E0%A4%A']) {
        it(`${method} ${path(id)}: 400 naming "${param}", before the key check`, async () => {
          const res = await request(app)[method.toLowerCase() as 'get'](path(id)).expect(400);
          expect(res.headers['content-type']).toMatch(/application\/json/);
          expect(res.body.error.code).toBe('invalid_request');
          expect(res.body.error.details).toEqual([
            expect.objectContaining({ field: param, rule: 'invalid_encoding' }),
          ]);
        });
      }
    }

    it('logs no stack trace and no raw id for them', () => {
      const logged = log.lines.join('');
      expect(logged).not.toContain('%FF');
      expect(logged).not.toContain('URIError');
      expect(logged).not.toContain('"level":50');
    });

    it('still serves well-formed escaped ids', async () => {
      await request(app).get('/v1/products/mower%2D1').expect(200);
      await request(app).get('/v1/products/no%20such').expect(404);
    });
  });

  describe('body size and depth (finding 2)', () => {
    it('refuses a search body over its limit with a 413 JSON error', async () => {
      const res = await request(app)
        .post('/v1/search')
        .send({ q: 'x'.repeat(5000) })
        .expect(413);
      expect(res.body.error).toMatchObject({ code: 'payload_too_large' });
      expect(res.body.error.message).toContain('4 KB');
    });

    it('refuses an events body over its limit, as JSON and as NDJSON', async () => {
      const event = { event_id: 'e', type: 'click', user_id: 'u', product_id: 'mower-1', timestamp: '' };
      const big = Array.from({ length: 200 }, (_, i) => ({ ...event, event_id: `e-${i}` }));
      const json = await request(app).post('/v1/events').send(big).expect(413);
      expect(json.body.error.code).toBe('payload_too_large');
      const ndjson = await request(app)
        .post('/v1/events')
        .set('content-type', 'application/x-ndjson')
        .send(big.map((e) => JSON.stringify(e)).join('\n'))
        .expect(413);
      expect(ndjson.body.error.code).toBe('payload_too_large');
    });

    it('refuses more events than a batch may hold', async () => {
      const many = Array.from({ length: 1001 }, (_, i) => ({ event_id: `${i}` }));
      const small = await createTestRuntime({ EMBEDDER: 'hashing', EVENTS_MAX_BODY_KB: '1024' });
      try {
        const res = await request(small.createApp()).post('/v1/events').send(many).expect(413);
        expect(res.body.error).toMatchObject({ code: 'too_many_records' });
      } finally {
        await small.close();
      }
    });

    it('refuses JSON nested deeper than 32 levels before parsing it', async () => {
      for (const path of ['/v1/search', '/v1/events']) {
        const res = await request(app)
          .post(path)
          .send({ q: nested(40) })
          .expect(400);
        expect(res.body.error.details).toEqual([
          expect.objectContaining({ field: '(body)', rule: 'max_depth' }),
        ]);
      }
      const products = await request(app)
        .post('/v1/products')
        .set('x-api-key', KEY)
        .send([{ id: 'deep', title: 'deep', attributes: { a: nested(40) } }])
        .expect(400);
      expect(products.body.error.details[0].rule).toBe('max_depth');
    });

    it('rejects a deep NDJSON line by its index and stores the others', async () => {
      const lines = [
        JSON.stringify({ id: 'nd-1', title: 'Fine product' }),
        JSON.stringify({ id: 'nd-2', title: 'Deep', attributes: { a: nested(40) } }),
      ];
      const res = await request(app)
        .post('/v1/products')
        .set('x-api-key', KEY)
        .set('content-type', 'application/x-ndjson')
        .send(lines.join('\n'))
        .expect(207);
      expect(res.body).toMatchObject({ accepted: 1, rejected: 1 });
      expect(res.body.errors[0]).toMatchObject({ index: 1, errors: [{ code: 'max_depth' }] });
    });

    it('streams an NDJSON catalog upload in batches and refuses one over its limit', async () => {
      const small = await createTestRuntime({ EMBEDDER: 'hashing', PRODUCTS_MAX_BODY_MB: '1' });
      try {
        const smallApp = small.createApp();
        const line = (i: number) => JSON.stringify({ id: `s-${i}`, title: `Streamed product ${i}` });
        const fits = Array.from({ length: 2500 }, (_, i) => line(i)).join('\n');
        const ok = await request(smallApp)
          .post('/v1/products')
          .set('content-type', 'application/x-ndjson')
          .send(fits)
          .expect(200);
        expect(ok.body).toMatchObject({ received: 2500, accepted: 2500, created: 2500 });
        const tooBig = `${fits}\n${'x'.repeat(1024 * 1024)}`;
        const refused = await request(smallApp)
          .post('/v1/products')
          .set('content-type', 'application/x-ndjson')
          .send(tooBig)
          .expect(413);
        expect(refused.body.error).toMatchObject({ code: 'payload_too_large' });
      } finally {
        await small.close();
      }
    });
  });

  describe('stored values (finding 9)', () => {
    const bad = [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'https://img.example.com/a.jpg" onerror="alert(1)',
      "https://img.example.com/a'.jpg",
      'https://img.example.com/<b>.jpg',
      'ftp://img.example.com/a.jpg',
    ];
    for (const url of bad) {
      it(`rejects image_url ${url}`, async () => {
        const res = await request(app)
          .post('/v1/products')
          .set('x-api-key', KEY)
          .send({ id: 'img-bad', title: 'Bad image', image_url: url })
          .expect(422);
        expect(res.body.errors[0].errors[0].path).toBe('image_url');
      });
    }

    it('accepts http and https image URLs', async () => {
      await request(app)
        .post('/v1/products')
        .set('x-api-key', KEY)
        .send([
          { id: 'img-1', title: 'Good image', image_url: 'https://img.example.com/a%20b.jpg?w=200' },
          { id: 'img-2', title: 'Good image', image_url: 'http://img.example.com/a.jpg' },
        ])
        .expect(200);
    });

    it('validates a record carrying a key named "unreadable" like any other', async () => {
      const res = await request(app)
        .post('/v1/products')
        .set('x-api-key', KEY)
        .send([{ unreadable: { path: '', code: 'x', message: '<script>alert(1)</script>' } }])
        .expect(422);
      const codes = res.body.errors[0].errors.map((e: { code: string }) => e.code);
      expect(codes).toContain('unrecognized_keys');
      expect(JSON.stringify(res.body)).not.toContain('<script>');
      const events = await request(app)
        .post('/v1/events')
        .send([{ unreadable: { path: '', code: 'x', message: 'y' } }])
        .expect(422);
      expect(events.body.errors[0].errors.map((e: { path: string }) => e.path)).toContain('event_id');
    });
  });

  describe('HTTP hygiene (finding 10)', () => {
    it('sends security headers for a JSON API and no-store on shopper data', async () => {
      const search = await request(app).get('/v1/search?q=drill').expect(200);
      expect(search.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(search.headers['x-content-type-options']).toBe('nosniff');
      expect(search.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(search.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(search.headers['x-powered-by']).toBeUndefined();
      expect(search.headers['cache-control']).toBe('no-store');
      for (const path of ['/v1/users/alice/profile', '/v1/products/mower-1']) {
        const res = await request(app).get(path).set('x-api-key', KEY).expect(200);
        expect(res.headers['cache-control'], path).toBe('no-store');
      }
      const events = await request(app).post('/v1/events').send([]).expect(200);
      expect(events.headers['cache-control']).toBe('no-store');
    });
  });
});
