/**
 * Merchandising through the HTTP API, on a real runtime with its own mappings directory:
 * every consequence of a rule, campaign windows, priorities, attribute filters and facets,
 * hot reload and the rejection of a bad edit (the previous files keep serving), warnings
 * about unknown products, firing counts in /metrics, and the preview, which never changes
 * what serves.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

const KEY = 'merchandising-admin-key-0123456789';
type App = ReturnType<Runtime['createApp']>;
interface Hit {
  id: string;
  explain?: { rules?: unknown[] };
}

const ids = (body: { hits: Hit[] }) => body.hits.map((h) => h.id);

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('merchandising over the API', () => {
  let runtime: Runtime;
  let app: App;
  let mappingsDir: string;

  const writeRules = (text: string) => fs.writeFileSync(path.join(mappingsDir, 'rules.yaml'), text);
  /** Writes rules.yaml and reloads it as the file watcher would. */
  const useRules = (text: string) => {
    writeRules(text);
    const error = runtime.mappings.reload();
    if (error) throw error;
  };
  const search = (query: Record<string, string | number | boolean>) =>
    request(app).get('/v1/search').query(query).expect(200);
  const admin = (method: 'get' | 'post', url: string) =>
    request(app)[method](url).set('Authorization', `Bearer ${KEY}`);

  beforeAll(async () => {
    mappingsDir = temporaryDirectory('mappings-');
    fs.cpSync(path.resolve('mappings'), mappingsDir, { recursive: true });
    runtime = await createTestRuntime({ MAPPINGS_DIR: mappingsDir, ADMIN_API_KEY: KEY });
    app = runtime.createApp();
    await request(app).post('/v1/products').set('X-API-Key', KEY).send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  describe('rule consequences', () => {
    it('pins products at exact positions, and explain and the response say which rule', async () => {
      useRules(`rules:
  - id: drill-campaign
    description: Bosch first for drills
    when: { query: { exact: drill } }
    pin:
      - { id: drill-2, position: 1 }
      - { id: hose-1, position: 3 }`);
      const { body } = await search({ q: 'drill', explain: true });
      expect(ids(body)[0]).toBe('drill-2');
      expect(ids(body)[2]).toBe('hose-1');
      expect(body.hits[0].explain.rules).toEqual([{ rule: 'drill-campaign', action: 'pin', position: 1 }]);
      expect(body.merchandising).toEqual({
        rules: [
          { id: 'drill-campaign', description: 'Bosch first for drills', priority: 0, actions: ['pin'] },
        ],
      });
      // Another query: the rule does not fire, the response has no merchandising part.
      expect((await search({ q: 'cordless drill' })).body.merchandising).toBeUndefined();
    });

    it('hides products by id and by filter, from hits, totals and facets', async () => {
      useRules(`rules:
  - id: hide-mowers
    when: { query: { contains: mower } }
    hide:
      ids: [mower-1]
      filter: { brand: EGO }`);
      const { body } = await search({ q: 'lawn mower leaf blower', facets: 'brand' });
      expect(ids(body)).not.toContain('mower-1');
      expect(ids(body).filter((id) => id === 'mower-2' || id === 'blower-1')).toEqual([]);
      expect(body.facets.brand.map((f: { value: string }) => f.value)).not.toContain('EGO');
      expect(body.total).toBe(body.hits.length);
    });

    it('boosts and buries with a factor, and explains the move', async () => {
      useRules(`rules:
  - id: tools-browse
    when: { category: Tools }
    boost:
      - { filter: { brand: Craftsman }, factor: 3 }
    bury:
      - { filter: { brand: DeWalt }, factor: 0.2 }`);
      // By popularity drill-1 (95), drill-2 (60), wrench-1 (20): wrench-1 counts 3/3, drill-2 1/2, drill-1 0.2/1.
      const { body } = await search({ 'filter.category': 'Tools', explain: true });
      expect(ids(body)).toEqual(['wrench-1', 'drill-2', 'drill-1']);
      expect(body.hits[2].explain.rules).toEqual([
        { rule: 'tools-browse', action: 'bury', factor: 0.2, from: 1, to: 3 },
      ]);
    });

    it('forces a filter, rewrites the query and returns a redirect', async () => {
      useRules(`rules:
  - id: in-stock-mowers
    when: { query: { contains: mower } }
    filter: { in_stock: true }
  - id: help
    when: { query: { contains: [returns, refund] } }
    redirect: https://shop.example.com/help/returns
  - id: grass
    when: { query: { prefix: grass } }
    rewrite: { replace: { grass cutter: lawn mower } }`);
      expect(ids((await search({ q: 'mower' })).body)).not.toContain('mower-2');
      const help = await search({ q: 'drill returns' });
      expect(help.body.redirect).toEqual({ url: 'https://shop.example.com/help/returns', rule: 'help' });
      const grass = await search({ q: 'grass cutter', explain: true });
      expect(grass.body.q).toBe('grass cutter');
      expect(grass.body.merchandising.rewritten_q).toBe('lawn mower');
      expect(ids(grass.body)[0]).toBe('mower-1'); // the rewritten query, and the mower rule did not fire on it
      expect(grass.body.merchandising.rules.map((r: { id: string }) => r.id)).toEqual(['grass']);
    });

    it('applies rules in their campaign window only', async () => {
      const day = 86_400_000;
      const iso = (t: number) => new Date(t).toISOString().replace('Z', '+00:00');
      useRules(`rules:
  - id: over
    when: { query: { exact: hose } }
    active: { from: ${iso(Date.now() - 2 * day)}, until: ${iso(Date.now() - day)} }
    pin: [{ id: skillet-1, position: 1 }]
  - id: running
    when: { query: { exact: hose } }
    active: { from: ${iso(Date.now() - day)} }
    pin: [{ id: wrench-1, position: 2 }]
  - id: coming
    when: { query: { exact: hose } }
    active: { from: ${iso(Date.now() + day)}, until: ${iso(Date.now() + 2 * day)} }
    pin: [{ id: bare-1, position: 1 }]`);
      const { body } = await search({ q: 'hose' });
      expect(body.merchandising.rules.map((r: { id: string }) => r.id)).toEqual(['running']);
      expect(ids(body)[1]).toBe('wrench-1');
      expect(ids(body)[0]).toBe('hose-1'); // neither the past nor the coming pin
    });

    it('resolves conflicts by priority, then file order, and says which rule won', async () => {
      useRules(`rules:
  - id: first-in-file
    when: { query: { exact: hose } }
    pin: [{ id: skillet-1, position: 1 }]
  - id: second-in-file
    when: { query: { exact: hose } }
    pin: [{ id: bare-1, position: 1 }]
  - id: important
    priority: 5
    when: { query: { exact: hose } }
    pin: [{ id: wrench-1, position: 1 }]`);
      const { body } = await search({ q: 'hose' });
      expect(ids(body)[0]).toBe('wrench-1');
      expect(body.merchandising.rules.map((r: { id: string }) => r.id)).toEqual([
        'important',
        'first-in-file',
        'second-in-file',
      ]);
      expect(body.merchandising.overridden).toEqual([
        { rule: 'first-in-file', action: 'pin', by: 'important', detail: 'position 1 is taken' },
        { rule: 'second-in-file', action: 'pin', by: 'important', detail: 'position 1 is taken' },
      ]);
    });

    it('warns about pins and hides of unknown products, and serves the rule anyway', async () => {
      useRules(`rules:
  - id: ghost
    when: { query: { exact: hose } }
    pin:
      - { id: no-such-product, position: 1 }
      - { id: wrench-1, position: 2 }`);
      const { body } = await search({ q: 'hose' });
      expect(ids(body)[1]).toBe('wrench-1');
      expect(body.merchandising.pins_not_shown).toEqual([{ rule: 'ghost', id: 'no-such-product' }]);
      const report = await admin('get', '/v1/admin/merchandising').expect(200);
      expect(report.body.warnings).toEqual([
        `${path.join(mappingsDir, 'rules.yaml')}:5:15 rule "ghost" pins "no-such-product", which is not in the catalog`,
      ]);
      expect(report.body).toMatchObject({ rules: 1, enabled_rules: 1 });
    });
  });

  describe('attributes, sorts and synonyms', () => {
    it('filters and facets on the attributes of attributes.yaml', async () => {
      useRules('rules: []');
      const { body } = await search({ q: 'cordless drill', 'filter.color': 'yellow', facets: 'color,brand' });
      expect(ids(body)).toEqual(['drill-1']);
      expect(body.facets.color).toEqual([{ value: 'yellow', count: 1 }]);
      const browse = await search({ 'filter.category': 'Tools', facets: 'color' });
      expect(browse.body.facets).toEqual({ color: [{ value: 'yellow', count: 1 }] });
    });

    it('sorts by rating and by popularity', async () => {
      const byPopularity = await search({ 'filter.category': 'Garden', sort: 'popularity_desc' });
      expect(ids(byPopularity.body)).toEqual(['mower-1', 'mower-2', 'hose-1', 'blower-1']);
      const byRating = await search({ q: 'mower', sort: 'rating_desc' });
      expect(ids(byRating.body)[0]).toBe('mower-1'); // the only rated one
    });

    it('applies synonyms.txt to the keyword leg, live', async () => {
      const synonyms = path.join(mappingsDir, 'synonyms.txt');
      const before = await search({ q: 'spanner', explain: true });
      expect(before.body.hits.filter((h: { explain: { bm25: unknown } }) => h.explain.bm25)).toEqual([]);
      fs.appendFileSync(synonyms, 'spanner => wrench\n');
      expect(runtime.mappings.reload()).toBeUndefined();
      const after = await search({ q: 'spanner', explain: true });
      const keyword = after.body.hits.filter((h: { explain: { bm25: unknown } }) => h.explain.bm25);
      expect(keyword.map((h: Hit) => h.id)).toEqual(['wrench-1']);
    });
  });

  describe('hot reload', () => {
    it('picks up a saved edit, and rejects a bad one with file, line and column while the last good rules serve', async () => {
      runtime.mappings.watch();
      writeRules(`rules:
  - id: live
    when: { query: { exact: screws } }
    pin: [{ id: skillet-1, position: 1 }]`);
      await until(async () => ids((await search({ q: 'screws' })).body)[0] === 'skillet-1');
      writeRules(`rules:
  - id: live
    when: { query: { exact: screws } }
    pin: [{ id: skillet-1, position: 0 }]`);
      const error = runtime.mappings.reload();
      expect(error?.message).toContain(
        `${path.join(mappingsDir, 'rules.yaml')}:4:38 rules.0.pin.0.position: positions start at 1`,
      );
      expect(ids((await search({ q: 'screws' })).body)[0]).toBe('skillet-1');
      runtime.mappings.close();
    });
  });

  describe('firings in /metrics', () => {
    it('counts firings per rule id, for the ids of the file only', async () => {
      useRules(`rules:
  - id: counted
    when: { query: { exact: hose } }
    redirect: https://shop.example.com/hoses`);
      await search({ q: 'hose' });
      await search({ q: 'hose' });
      const scrape = (await request(app).get('/metrics').expect(200)).text;
      expect(scrape).toMatch(/^merchandising_rule_firings_total\{rule="counted"\} 2$/m);
      useRules('rules: []');
      const after = (await request(app).get('/metrics').expect(200)).text;
      expect(after).not.toMatch(/merchandising_rule_firings_total\{rule="counted"\}/);
    });
  });

  describe('POST /v1/admin/merchandising/preview', () => {
    const proposed = `rules:
  - id: proposed-pin
    when: { query: { exact: hose } }
    pin: [{ id: skillet-1, position: 1 }]
`;

    it('compares the serving and the proposed top lists and changes nothing that serves', async () => {
      useRules('rules: []');
      const { body } = await admin('post', '/v1/admin/merchandising/preview')
        .send({
          files: { 'rules.yaml': proposed },
          queries: ['hose', 'drill'],
          judgments: [
            { query: 'hose', product_id: 'hose-1', relevance: 3 },
            { query: 'hose', product_id: 'skillet-1', relevance: 1 },
          ],
        })
        .expect(200);
      const [hose, drill] = body.queries;
      expect(hose.q).toBe('hose');
      expect(hose.current[0].id).toBe('hose-1');
      expect(hose.proposed[0]).toEqual({ id: 'skillet-1', title: 'Lodge 12 in. Cast Iron Skillet' });
      expect(hose.changed).toBe(true);
      expect(hose.moved).toContainEqual({ id: 'hose-1', from: 1, to: 2 });
      expect(hose.proposed_rules).toEqual(['proposed-pin']);
      expect(hose.ndcg10.current).toBeCloseTo(1);
      expect(hose.ndcg10.change).toBeLessThan(0);
      expect(drill).toMatchObject({ changed: false, moved: [] });
      expect(body.summary).toMatchObject({ queries: 2, changed: 1, source: 'given', judged: 1 });
      expect(body.validation).toMatchObject({ rules: 1, warnings: [] });
      // What serves is unchanged.
      const serving = await search({ q: 'hose' });
      expect(ids(serving.body)[0]).toBe('hose-1');
      expect(serving.body.merchandising).toBeUndefined();
    });

    it('takes the most frequent logged queries and estimates the effect on clicked products', async () => {
      // Shoppers searched "garden hose" and clicked the hose.
      for (let i = 0; i < 3; i++) {
        const { body } = await search({ q: 'garden hose', user_id: `shopper-${i}` });
        const position = ids(body).indexOf('hose-1') + 1;
        await request(app)
          .post('/v1/events')
          .set('X-API-Key', KEY)
          .send([
            {
              event_id: `${body.query_id}:click`,
              type: 'click',
              user_id: `shopper-${i}`,
              query_id: body.query_id,
              product_id: 'hose-1',
              position,
              timestamp: new Date().toISOString(),
            },
          ])
          .expect(200);
      }
      await search({ q: 'drill' });
      const burying = `rules:
  - id: bury-hoses
    when: { query: { contains: hose } }
    bury: [{ filter: { brand: Flexzilla }, factor: 0.1 }]
`;
      const { body } = await admin('post', '/v1/admin/merchandising/preview')
        .send({ files: { 'rules.yaml': burying }, top_queries: 5 })
        .expect(200);
      expect(body.summary.source).toBe('logged');
      expect(body.queries.map((q: { q: string }) => q.q)).toEqual(
        expect.arrayContaining(['garden hose', 'drill']),
      );
      const hose = body.queries.find((q: { q: string }) => q.q === 'garden hose');
      expect(hose.clicks.searches).toBeGreaterThanOrEqual(3);
      expect(hose.clicks.moved_down).toBe(1);
      expect(hose.clicks.clicked[0]).toMatchObject({ id: 'hose-1', from: 1, gain: 3 });
      expect(hose.clicks.ndcg10.change).toBeLessThan(0);
      expect(body.summary.clicked_moved_down).toBeGreaterThanOrEqual(1);
    });

    it('evaluates campaign windows at a given time', async () => {
      const campaign = `rules:
  - id: next-spring
    when: { query: { exact: hose } }
    active: { from: 2031-03-01T00:00:00+01:00, until: 2031-06-01T00:00:00+02:00 }
    pin: [{ id: skillet-1, position: 1 }]
`;
      const now = await admin('post', '/v1/admin/merchandising/preview')
        .send({ files: { 'rules.yaml': campaign }, queries: ['hose'] })
        .expect(200);
      expect(now.body.queries[0].changed).toBe(false);
      const then = await admin('post', '/v1/admin/merchandising/preview')
        .send({ files: { 'rules.yaml': campaign }, queries: ['hose'], at: '2031-04-01T12:00:00+02:00' })
        .expect(200);
      expect(then.body.queries[0].proposed[0].id).toBe('skillet-1');
    });

    it('validates proposed files like the loader: 400 with file, line and column', async () => {
      const bad = `rules:
  - id: broken
    when: { query: { exact: hose } }
    active: { from: 2026-05-01T00:00:00Z, until: 2026-04-01T00:00:00Z }
    pin: [{ id: skillet-1, position: 500 }]
`;
      const { body } = await admin('post', '/v1/admin/merchandising/preview')
        .send({ files: { 'rules.yaml': bad, 'synonyms.txt': 'a => b => c\n' }, queries: ['hose'] })
        .expect(400);
      expect(body.error.code).toBe('invalid_request');
      // Every problem of every file at once.
      expect(body.error.details).toEqual([
        {
          field: 'files.rules.yaml',
          rule: 'invalid_file',
          message: 'proposed/rules.yaml:4:50 rules.0.active.until: until must be after from',
        },
        {
          field: 'files.rules.yaml',
          rule: 'invalid_file',
          message:
            'proposed/rules.yaml:5:38 rules.0.pin.0.position: a pin goes on the first page: position 1 to 100',
        },
        {
          field: 'files.synonyms.txt',
          rule: 'invalid_file',
          message: 'proposed/synonyms.txt:1:8 more than one "=>" on a line',
        },
      ]);
      const rulesOnly = await admin('post', '/v1/admin/merchandising/validate')
        .send({ files: { 'rules.yaml': bad } })
        .expect(400);
      expect(rulesOnly.body.error.details.map((d: { message: string }) => d.message)).toEqual([
        'proposed/rules.yaml:4:50 rules.0.active.until: until must be after from',
        'proposed/rules.yaml:5:38 rules.0.pin.0.position: a pin goes on the first page: position 1 to 100',
      ]);
      const good = await admin('post', '/v1/admin/merchandising/validate')
        .send({ files: { 'rules.yaml': proposed } })
        .expect(200);
      expect(good.body).toMatchObject({ rules: 1, warnings: [] });
      await admin('post', '/v1/admin/merchandising/preview')
        .send({ files: { 'rules.txt': 'x' } })
        .expect(400);
    });

    it('needs the admin key', async () => {
      await request(app).post('/v1/admin/merchandising/preview').send({ files: {} }).expect(401);
      await request(app).get('/v1/admin/merchandising').expect(401);
    });
  });
});
