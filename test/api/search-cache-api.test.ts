/**
 * The hot-query cache through the HTTP API: a repeated search is answered from it (the
 * retrieval stages do not run, the counters in /metrics say so), the shopper's part still
 * runs, and a catalog write, a rules reload and a ranking-model promotion each empty it, so
 * the next search sees the change.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseJudgmentsCsv } from '../../src/eval/judgments.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { trainAndGate } from '../../src/ranking/training/ranker-training.ts';
import { listsFromJudgments, splitLists } from '../../src/ranking/training/training-lists.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

const KEY = 'search-cache-admin-key-0123456789';

describe('hot-query cache over the API', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  let mappingsDir: string;

  const search = (query: Record<string, string | number | boolean>) =>
    request(app).get('/v1/search').query(query).expect(200);
  const ids = (body: { hits: { id: string }[] }) => body.hits.map((h) => h.id);
  const counter = async (name: string, labels = ''): Promise<number> => {
    const { text } = await request(app).get('/metrics').expect(200);
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    mappingsDir = temporaryDirectory('mappings-');
    fs.cpSync(path.resolve('mappings'), mappingsDir, { recursive: true });
    runtime = await createTestRuntime({
      MAPPINGS_DIR: mappingsDir,
      MODELS_DIR: temporaryDirectory('models-'),
      EMBEDDER: 'hashing',
      ADMIN_API_KEY: KEY,
      RATE_LIMIT: 'off',
    });
    app = runtime.createApp();
    await request(app).post('/v1/products').set('X-API-Key', KEY).send(FIXTURE_PRODUCTS).expect(200);
    await runtime.calibration.refresh();
  });
  afterAll(() => runtime.close());

  it('answers a repeated search from memory, for any shopper, with the same hits', async () => {
    const hitsBefore = await counter('search_cache_hits_total');
    const first = await search({ q: 'cordless drill', size: 5 });
    expect(Object.keys(first.body.took.stages)).toContain('bm25');
    const again = await search({ q: '  cordless   drill ', size: 5, user_id: 'shopper-7' });
    expect(ids(again.body)).toEqual(ids(first.body));
    expect(again.body.total).toBe(first.body.total);
    // Retrieval came from the cache; the shopper's features and the ranker still ran.
    expect(Object.keys(again.body.took.stages)).not.toContain('bm25');
    expect(Object.keys(again.body.took.stages)).toContain('features');
    expect(await counter('search_cache_hits_total')).toBe(hitsBefore + 1);
    expect(await counter('search_cache_entries')).toBeGreaterThan(0);

    // Another page, filter or explain=true is not the same request.
    const filtered = await search({ q: 'cordless drill', size: 5, 'filter.brand': 'Bosch' });
    expect(Object.keys(filtered.body.took.stages)).toContain('bm25');
    const explained = await search({ q: 'cordless drill', size: 5, explain: true });
    expect(Object.keys(explained.body.took.stages)).toContain('bm25');
    expect(await counter('search_cache_hits_total')).toBe(hitsBefore + 1);
  });

  it('is emptied by a catalog write: a new product shows at the next search', async () => {
    await search({ q: 'anvil' });
    expect(Object.keys((await search({ q: 'anvil' })).body.took.stages)).not.toContain('bm25');
    await request(app)
      .post('/v1/products')
      .set('X-API-Key', KEY)
      .send([{ id: 'anvil-1', title: 'Forged steel anvil 55 lb', price: 129 }])
      .expect(200);
    const after = await search({ q: 'anvil' });
    expect(ids(after.body)).toContain('anvil-1');
    expect(await counter('search_cache_invalidations_total', '{reason="catalog"}')).toBeGreaterThan(0);
  });

  it('is emptied by a rules reload: a new hide applies at the next search', async () => {
    const before = ids((await search({ q: 'mower' })).body);
    expect(before).toContain('mower-1');
    expect(Object.keys((await search({ q: 'mower' })).body.took.stages)).not.toContain('bm25');
    fs.writeFileSync(
      path.join(mappingsDir, 'rules.yaml'),
      'rules:\n  - id: no-honda\n    when: { query: { contains: mower } }\n    hide: { ids: [mower-1] }\n',
    );
    expect(runtime.mappings.reload()).toBeUndefined();
    const after = await search({ q: 'mower' });
    expect(ids(after.body)).not.toContain('mower-1');
    expect(await counter('search_cache_invalidations_total', '{reason="settings"}')).toBeGreaterThan(0);
  });

  it('is emptied by a ranking-model promotion', async () => {
    const query = { q: 'garden power tools drill', size: 10 };
    await search(query);
    expect(Object.keys((await search(query)).body.took.stages)).not.toContain('bm25');
    const priced = FIXTURE_PRODUCTS.filter((p) => p.price !== undefined).sort((a, b) => a.price! - b.price!);
    const rows = ['query,product_uid,relevance'];
    for (const q of ['garden', 'drill', 'mower', 'tools', 'power', 'steel', 'hose', 'cordless'])
      for (let copy = 0; copy < 4; copy++)
        for (const [i, p] of priced.entries())
          rows.push(`${q} ${copy || ''},${p.id},${(3 - (2 * i) / priced.length).toFixed(2)}`);
    const lists = await listsFromJudgments(
      (q) => runtime.search.candidates(q),
      parseJudgmentsCsv(rows.join('\n')),
    );
    const outcome = await trainAndGate(
      { source: 'judgments', ...splitLists(lists, 0.3) },
      { registry: runtime.rankers, promote: 'never', training: { epochs: 5, patience: 5 } },
    );
    const misses = await counter('search_cache_misses_total');
    runtime.rankers.promote(outcome.metadata.version);
    await vi.waitFor(() => expect(runtime.reranker.active?.version).toBe(outcome.metadata.version), {
      timeout: 5000,
    });
    // The ranker reads the new model at once; retrieval ran again too (a miss).
    const after = await search(query);
    expect(Object.keys(after.body.took.stages)).toContain('bm25');
    expect(await counter('search_cache_misses_total')).toBe(misses + 1);
    expect(await counter('search_cache_invalidations_total', '{reason="model"}')).toBeGreaterThan(0);
  });
});
