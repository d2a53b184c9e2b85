import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

describe('bad input gets a 4xx JSON error naming the field and the rule', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
  });
  afterAll(() => runtime.close());

  const cases: [string, string, string, string][] = [
    ['empty q without a filter', '/v1/search?q=', 'q', 'required'],
    ['no q at all', '/v1/search', 'q', 'required'],
    ['q over 512 characters', `/v1/search?q=${'a'.repeat(513)}`, 'q', 'too_big'],
    ['unknown filter field', '/v1/search?q=x&filter.colour=red', 'filter.colour', 'unknown_filter'],
    ['unknown sort field', '/v1/search?q=x&sort=popularity', 'sort', 'invalid_value'],
    ['size over 100', '/v1/search?q=x&size=101', 'size', 'too_big'],
    ['size zero', '/v1/search?q=x&size=0', 'size', 'too_small'],
    ['page not a number', '/v1/search?q=x&page=two', 'page', 'invalid_type'],
    ['fractional page', '/v1/search?q=x&page=1.5', 'page', 'invalid_type'],
    ['price not a number', '/v1/search?q=x&filter.price_min=cheap', 'filters.price_min', 'invalid_type'],
    ['negative price', '/v1/search?q=x&filter.price_max=-1', 'filters.price_max', 'too_small'],
    [
      'price range inverted',
      '/v1/search?q=x&filter.price_min=10&filter.price_max=5',
      'filters.price_min',
      'custom',
    ],
    ['in_stock not a boolean', '/v1/search?q=x&filter.in_stock=maybe', 'filters.in_stock', 'invalid_type'],
    ['explain not a boolean', '/v1/search?q=x&explain=yes', 'explain', 'invalid_type'],
    ['unknown facet', '/v1/search?q=x&facets=colour', 'facets.0', 'invalid_value'],
    ['unknown parameter', '/v1/search?q=x&colour=red', 'colour', 'unknown_parameter'],
    // Attribute filters of mappings/attributes.yaml: `size` is a range attribute, `color` a terms one.
    ['range attribute without a bound', '/v1/search?q=x&filter.size=9', 'filter.size', 'unknown_filter'],
    ['range bound not a number', '/v1/search?q=x&filter.size_min=big', 'filters.size_min', 'invalid_type'],
    [
      'attribute range inverted',
      '/v1/search?q=x&filter.size_min=12&filter.size_max=8',
      'filters.size_min',
      'custom',
    ],
    ['empty attribute value', '/v1/search?q=x&filter.color=', 'filters.color.0', 'too_small'],
    ['repeated scalar', '/v1/search?q=x&q=y', 'q', 'repeated'],
    ['paging past the result window', '/v1/search?q=x&size=100&page=11', 'page', 'custom'],
  ];

  it.each(cases)('%s', async (_name, url, field, rule) => {
    const res = await request(app).get(url);
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/json');
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field, rule })]),
    );
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('rejects malformed JSON bodies', async () => {
    for (const url of ['/v1/search', '/v1/products']) {
      const res = await request(app).post(url).set('Content-Type', 'application/json').send('{"q": "drill"');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_json');
    }
  });

  it('rejects wrong types in a JSON search body', async () => {
    const res = await request(app)
      .post('/v1/search')
      .send({ q: 42, filters: { brand: 'Bosch' }, size: '10' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'filters.brand',
      'q',
      'size',
    ]);
  });

  it('rejects unknown fields in a JSON search body', async () => {
    const res = await request(app)
      .post('/v1/search')
      .send({ q: 'drill', filters: { colour: ['red'] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { field: 'filters.colour', rule: 'unknown_field', message: 'unknown field "colour"' },
    ]);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await request(app).get('/v1/nothing-here').expect(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
