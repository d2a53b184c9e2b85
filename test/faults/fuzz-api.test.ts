/**
 * Property-based fuzz over every route's path parameters, query strings and bodies
 * (issue 14): whatever a client sends, the service answers with a status below 500. The
 * requests go to a real listening service over keep-alive connections, eight at a time.
 * FUZZ_RUNS (default 1,250 batches of 8 = 10,000 requests) and FUZZ_SEED reproduce a run;
 * the counts are printed for docs/reliability.md.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

const KEY = 'fuzz-admin-key-0123456789';
const BATCH = 8;
const RUNS = Number(process.env.FUZZ_RUNS ?? 1250);

interface FuzzRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  path: string;
  body?: string;
  contentType?: string;
  admin?: boolean;
}

/** Text of every kind: printable, full Unicode (lone surrogates too), and the characters parsers trip on. */
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '%', '%FF', '%zz', '../..', '*', '"', '<script>', 'a'.repeat(600), '🙂'),
);
/** A path segment as a client might send it: encoded, raw, or with broken escapes. */
const segment = fc.oneof(
  text.map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{0,24}$/),
  fc.constantFrom('%', '%F', '%FF', '%zz', '%E0%A4%A', '%C0%AF', '%00', '..', '%2F', 'drill-1', 'mower-1'),
);
/** Any JSON value, deep and wide enough to reach the parsers' limits now and then. */
const json = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 40 }) },
);
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1e308, 2 ** 53, 10_001));
const value = fc.oneof(json, text, number, fc.boolean(), fc.constant(null));

const SEARCH_KEYS = [
  'q',
  'filters',
  'facets',
  'page',
  'size',
  'sort',
  'user_id',
  'session_id',
  'explain',
  'rerank',
  'fusion',
];
const QUERY_KEYS = [
  'q',
  'page',
  'size',
  'sort',
  'facets',
  'user_id',
  'session_id',
  'explain',
  'rerank',
  'fusion',
  'filter.brand',
  'filter.category',
  'filter.price_min',
  'filter.price_max',
  'filter.in_stock',
];
const PRODUCT_KEYS = [
  'id',
  'title',
  'description',
  'brand',
  'category',
  'price',
  'in_stock',
  'image_url',
  'attributes',
];
const EVENT_KEYS = [
  'event_id',
  'type',
  'user_id',
  'session_id',
  'query_id',
  'product_id',
  'position',
  'timestamp',
];

/** Objects with some of the route's own keys (valid-looking or not) and now and then a stray one. */
function recordOf(keys: readonly string[]) {
  return fc
    .tuple(
      fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length }),
      fc.dictionary(text, value, { maxKeys: 2 }),
      fc.boolean(),
    )
    .map(([known, stray, withStray]) => (withStray ? { ...known, ...stray } : known));
}

const queryString = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), text), text), { maxLength: 6 })
  .chain((pairs) =>
    fc.oneof(
      fc.constant(new URLSearchParams(pairs).toString()),
      fc.constantFrom(
        'q=%',
        'q=%zz&size=%FF',
        'size=1e999',
        'q[]=a&q[]=b',
        'filter.brand[x]=1',
        '&&&=',
        'q=a&q=b',
      ),
    ),
  );

/** A body: JSON of the route's shape, any JSON, NDJSON lines, or bytes that are no JSON at all. */
function bodyOf(keys: readonly string[]) {
  const record = recordOf(keys);
  return fc.oneof(
    record.map((r) => ({ body: JSON.stringify(r), contentType: 'application/json' })),
    fc
      .array(record, { maxLength: 5 })
      .map((r) => ({ body: JSON.stringify(r), contentType: 'application/json' })),
    json.map((j) => ({ body: JSON.stringify(j), contentType: 'application/json' })),
    fc
      .array(
        fc.oneof(
          record.map((r) => JSON.stringify(r)),
          text,
        ),
        { maxLength: 5 },
      )
      .map((lines) => ({ body: lines.join('\n'), contentType: 'application/x-ndjson' })),
    fc
      .tuple(text, fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain'))
      .map(([body, contentType]) => ({ body, contentType })),
  );
}

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  queryString.map((qs) => ({ method: 'GET' as const, path: `/v1/search?${qs}` })),
  bodyOf(SEARCH_KEYS).map((b) => ({ method: 'POST' as const, path: '/v1/search', ...b })),
  fc.tuple(text, fc.oneof(text, number.map(String))).map(([q, size]) => ({
    method: 'GET' as const,
    path: `/v1/suggest?${new URLSearchParams({ q, size })}`,
  })),
  fc.tuple(bodyOf(PRODUCT_KEYS), fc.boolean()).map(([b, admin]) => ({
    method: 'POST' as const,
    path: '/v1/products',
    admin,
    ...b,
  })),
  fc
    .tuple(fc.constantFrom('GET' as const, 'DELETE' as const), segment, fc.boolean())
    .map(([method, id, admin]) => ({
      method,
      path: `/v1/products/${id}`,
      admin,
    })),
  bodyOf(EVENT_KEYS).map((b) => ({ method: 'POST' as const, path: '/v1/events', ...b })),
  fc
    .tuple(segment, fc.boolean())
    .map(([id, admin]) => ({ method: 'GET' as const, path: `/v1/users/${id}/profile`, admin })),
  fc
    .tuple(segment, fc.boolean())
    .map(([id, admin]) => ({ method: 'DELETE' as const, path: `/v1/users/${id}`, admin })),
  fc.tuple(segment, fc.boolean()).map(([name, admin]) => ({
    method: 'POST' as const,
    path: `/v1/admin/jobs/${name}/run`,
    admin,
  })),
  fc.constantFrom('/healthz', '/readyz', '/metrics', '/', '/v1/admin/jobs').map((path) => ({
    method: 'GET' as const,
    path,
    admin: true,
  })),
  fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH') as fc.Arbitrary<FuzzRequest['method']>,
      fc.array(segment, { maxLength: 4 }),
    )
    .map(([method, parts]) => ({ method, path: `/${parts.join('/')}` })),
);

describe('fuzzing every route (issue 14)', () => {
  let runtime: Runtime;
  let server: Server;
  let base: string;
  const statuses = new Map<number, number>();
  const failures: string[] = [];

  beforeAll(async () => {
    runtime = await createTestRuntime({
      ADMIN_API_KEY: KEY,
      EMBEDDER: 'hashing',
      RATE_LIMIT: 'off',
      MAX_CONCURRENT_REQUESTS: '64',
      JOBS_SCHEDULER: 'off',
    });
    const app = runtime.createApp();
    await request(app).post('/v1/products').set('x-api-key', KEY).send(FIXTURE_PRODUCTS).expect(200);
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await runtime.close();
  });

  async function send(r: FuzzRequest): Promise<number> {
    const headers: Record<string, string> = {};
    if (r.contentType) headers['content-type'] = r.contentType;
    if (r.admin) headers['x-api-key'] = KEY;
    const response = await fetch(base + r.path, {
      method: r.method,
      headers,
      ...(r.body !== undefined && r.method !== 'GET' && { body: r.body }),
    });
    const body = await response.text();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (response.status >= 500)
      failures.push(
        `${r.method} ${r.path} ${r.body?.slice(0, 200) ?? ''} -> ${response.status} ${body.slice(0, 200)}`,
      );
    return response.status;
  }

  it(`answers ${RUNS * BATCH} fuzzed requests without a server error`, { timeout: 600_000 }, async () => {
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzRequest, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const answered = await Promise.all(batch.map(send));
        return answered.every((status) => status < 500);
      }),
      { numRuns: RUNS, endOnFailure: true, ...(seed !== undefined && { seed }) },
    );
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const count = (from: number, to: number) =>
      [...statuses].filter(([s]) => s >= from && s < to).reduce((a, [, n]) => a + n, 0);
    console.log(
      `fuzz: ${total} requests, ${count(200, 300)} 2xx, ${count(400, 500)} 4xx, ${count(500, 600)} 5xx; by status ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(RUNS * BATCH);
  });
});
