import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../src/catalog/search-backend.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

describe('a backend that cannot answer', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime();
    app = runtime.createApp();
    const unavailable = () =>
      Promise.reject(new BackendUnavailableError('engine down', { retryAfterSeconds: 7 }));
    runtime.backend.lexicalSearch = unavailable;
    runtime.backend.getProducts = unavailable;
  });
  afterAll(() => runtime.close());

  it('is answered with 503, Retry-After and a JSON error, not a 500', async () => {
    const search = await request(app).get('/v1/search').query({ q: 'drill' }).expect(503);
    expect(search.headers['retry-after']).toBe('7');
    expect(search.body).toEqual({
      error: { code: 'backend_unavailable', message: 'the search backend is unavailable; retry later' },
    });
    const product = await request(app).get('/v1/products/x').expect(503);
    expect(product.body.error.code).toBe('backend_unavailable');
  });
});
