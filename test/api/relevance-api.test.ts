/**
 * What keeps hybrid search from doing worse than keyword search, through the HTTP API on the
 * demo catalog: misspelt words corrected against the catalog (with did_you_mean), a nonsense
 * query answered with nothing (and counted), and a price order that lists what the query
 * names, not every loose match.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalogIfEmpty, type Runtime } from '../../src/main/runtime.ts';
import { createTestRuntime } from '../helpers/runtime.ts';

describe('relevance safeguards', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;

  beforeAll(async () => {
    runtime = await createTestRuntime({ DEMO_CATALOG: 'auto' });
    await loadDemoCatalogIfEmpty(runtime);
    await runtime.backend.optimize();
    await runtime.calibration.refresh();
    app = runtime.createApp();
  });
  afterAll(() => runtime.close());

  const search = (query: Record<string, string>) => request(app).get('/v1/search').query(query).expect(200);
  const titles = (body: { hits: { product: { title: string } }[] }) => body.hits.map((h) => h.product.title);

  it('corrects a misspelt word for the keyword leg and says what it searched', async () => {
    const typed = await search({ q: 'cordles drll', size: '5' });
    expect(typed.body.did_you_mean).toBe('cordless drill');
    for (const title of titles(typed.body)) expect(title).toMatch(/drill/i);

    const asTyped = await search({ q: 'cordles drll', size: '5', autocorrect: 'false' });
    expect(asTyped.body.did_you_mean).toBeUndefined();
  });

  it('says nothing when the query is spelt right', async () => {
    const res = await search({ q: 'cordless drill' });
    expect(res.body.did_you_mean).toBeUndefined();
    expect(titles(res.body)[0]).toMatch(/cordless drill/i);
  });

  it('never corrects a model number or size', async () => {
    const res = await search({ q: '56v 20 in' });
    expect(res.body.did_you_mean).toBeUndefined();
  });

  it('answers a nonsense query with no hits, and counts it as a zero-result search', async () => {
    const before = await request(app).get('/metrics').expect(200);
    const count = (text: string) => Number(/^search_zero_results_total\S* (\d+)/m.exec(text)?.[1] ?? 0);
    const res = await search({ q: 'xyzzyqqq' });
    expect(res.body.total).toBe(0);
    expect(res.body.hits).toEqual([]);
    const after = await request(app).get('/metrics').expect(200);
    expect(count(after.text)).toBe(count(before.text) + 1);
  });

  it('lists only what the query names when sorted by price', async () => {
    const res = await search({ q: 'lawn mower', sort: 'price_asc', size: '50' });
    expect(res.body.total).toBeGreaterThan(5);
    for (const title of titles(res.body)) expect(title).toMatch(/lawn mower/i);
    const prices = res.body.hits.map((h: { product: { price: number } }) => h.product.price);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
  });

  it('still lets the vector leg answer when the keyword leg matches part of the query', async () => {
    const res = await search({ q: 'lawn mower quietest', explain: 'true', size: '5' });
    expect(titles(res.body)[0]).toMatch(/mower/i);
    expect(res.body.hits[0].explain.fused.knn_weight).toBeGreaterThan(0);
  });
});
