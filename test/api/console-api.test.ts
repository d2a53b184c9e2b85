/**
 * The console's admin APIs on a real runtime with its own mappings and models directories:
 * the model registry (list with metrics and gate numbers, promote, roll back, live at once),
 * the mappings files (read with a version, check at line:column, save on a stale version
 * refused with 409, a save applied to searches at once, undo back to the previous version,
 * nothing outside mappings/ reachable) and the live quality series.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { trainRankers } from '../helpers/rankers.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

const KEY = 'console-admin-key-0123456789abcdef';
const QUERIES = ['garden', 'drill', 'mower', 'tools', 'power', 'steel', 'hose', 'cordless'];

describe('the console admin APIs', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  let mappingsDir: string;
  let versions: string[];

  const admin = (method: 'get' | 'post' | 'put', url: string) =>
    request(app)[method](url).set('X-API-Key', KEY);
  const searchIds = async (q: string) =>
    (await request(app).get('/v1/search').query({ q }).expect(200)).body.hits.map(
      (h: { id: string }) => h.id,
    );

  beforeAll(async () => {
    mappingsDir = temporaryDirectory('mappings-');
    // The project's mappings with the randomized share off, so result lists compare exactly.
    fs.cpSync(inject('mappingsDir'), mappingsDir, { recursive: true });
    runtime = await createTestRuntime({
      MAPPINGS_DIR: mappingsDir,
      MODELS_DIR: temporaryDirectory('models-'),
      EMBEDDER: 'hashing',
      ADMIN_API_KEY: KEY,
      RATE_LIMIT: 'off',
    });
    app = runtime.createApp();
    await admin('post', '/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    versions = await trainRankers(runtime, FIXTURE_PRODUCTS, QUERIES, 2);
  }, 120_000);
  afterAll(() => runtime.close());

  describe('model registry', () => {
    it('needs the admin key', async () => {
      await request(app).get('/v1/admin/models').expect(401);
      await request(app).post(`/v1/admin/models/${versions[0]}/promote`).expect(401);
    });

    it('lists every version with its metrics, gate and segments, none serving yet', async () => {
      const { body } = await admin('get', '/v1/admin/models').expect(200);
      expect(body.serving).toBeNull();
      expect(body.rankers.map((m: { version: string }) => m.version).sort()).toEqual([...versions].sort());
      for (const model of body.rankers) {
        expect(model.status).not.toBe('serving');
        expect(model.heldout_ndcg10).toBeGreaterThan(0);
        expect(model.fused_ndcg10).toBeGreaterThan(0);
        expect(model.files).toBe('ok');
        expect(model.serves).toHaveProperty('shoppers_without_history');
        expect(model).toHaveProperty('gate');
      }
      expect(Array.isArray(body.encoders)).toBe(true);
    });

    it('promotes a version, live at once, and rolls back to the one before', async () => {
      await admin('post', `/v1/admin/models/${versions[0]}/promote`).expect(200);
      const promoted = await admin('post', `/v1/admin/models/${versions[1]}/promote`).expect(200);
      expect(promoted.body).toMatchObject({ serving: versions[1], rollback_to: versions[0] });
      expect(runtime.reranker.active?.version).toBe(versions[1]);
      const listed = await admin('get', '/v1/admin/models').expect(200);
      const status = Object.fromEntries(
        listed.body.rankers.map((m: { version: string; status: string }) => [m.version, m.status]),
      );
      expect(status).toEqual({ [versions[1]!]: 'serving', [versions[0]!]: 'previously_serving' });

      const rolled = await admin('post', '/v1/admin/models/rollback').expect(200);
      expect(rolled.body).toMatchObject({ serving: versions[0], rolled_back: versions[1] });
      expect(runtime.reranker.active?.version).toBe(versions[0]);
      const quality = await admin('get', '/v1/admin/quality').expect(200);
      expect(quality.body.ranker).toMatchObject({ version: versions[0] });
      expect(quality.body.ranker.ndcg10).toBeGreaterThan(0);
    });

    it('answers 404 for an unknown version and 400 naming the field for a malformed one', async () => {
      const missing = await admin('post', '/v1/admin/models/ranker-none/promote').expect(404);
      expect(missing.body.error.message).toContain(versions[0]);
      const bad = await admin('post', '/v1/admin/models/bad%20version/promote').expect(400);
      expect(bad.body.error.details[0]).toMatchObject({ field: 'version', rule: 'invalid_format' });
    });
  });

  describe('mappings files', () => {
    const pinRules = (id: string, extra = '') =>
      `rules:\n  - id: console-pin\n    when:\n      query:\n        exact: [drill]\n    pin:\n      - { id: ${id}, position: 1 }\n${extra}`;

    it('lists the editable files with their versions and reads one with its ETag', async () => {
      const listed = await admin('get', '/v1/admin/mappings').expect(200);
      const names = listed.body.files.map((f: { file: string }) => f.file);
      expect(names).toEqual(
        expect.arrayContaining([
          'rules.yaml',
          'synonyms.txt',
          'boosts.yaml',
          'attributes.yaml',
          'experiments.yaml',
          'suggestions-blocklist.yaml',
        ]),
      );
      const file = await admin('get', '/v1/admin/mappings/rules.yaml').expect(200);
      expect(file.body.text).toBe(fs.readFileSync(path.join(mappingsDir, 'rules.yaml'), 'utf8'));
      expect(file.headers.etag).toBe(`"${file.body.version}"`);
    });

    it('checks a proposed text: each problem at its line and column', async () => {
      const text = pinRules('drill-2').replace('position: 1', 'position: first');
      const { body } = await admin('post', '/v1/admin/mappings/rules.yaml/check').send({ text }).expect(200);
      expect(body.valid).toBe(false);
      expect(body.problems[0]).toMatchObject({ file: 'rules.yaml', line: 7 });
      expect(body.problems[0].column).toBeGreaterThan(0);
      expect(body.problems[0].message).toMatch(/^mappings\/rules\.yaml:7:\d+ /);
      const fixed = await admin('post', '/v1/admin/mappings/rules.yaml/check')
        .send({ text: pinRules('drill-2') })
        .expect(200);
      expect(fixed.body).toMatchObject({ valid: true, problems: [] });
    });

    it('saves on the version read, applies at once, refuses a stale base with 409, and undoes', async () => {
      const original = await admin('get', '/v1/admin/mappings/rules.yaml').expect(200);
      const before = await searchIds('drill');
      const target: string = before.at(-1);
      expect(before[0]).not.toBe(target);
      const invalid = await admin('put', '/v1/admin/mappings/rules.yaml')
        .send({
          text: pinRules(target).replace('position: 1', 'position: first'),
          base_version: original.body.version,
        })
        .expect(400);
      expect(invalid.body.error.details[0]).toMatchObject({ field: 'text', rule: 'invalid_file', line: 7 });
      expect(await searchIds('drill')).toEqual(before);

      const saved = await admin('put', '/v1/admin/mappings/rules.yaml')
        .send({ text: pinRules(target), base_version: original.body.version })
        .expect(200);
      expect(saved.body.version).not.toBe(original.body.version);
      expect(saved.body.history[0].version).toBe(original.body.version);
      expect((await searchIds('drill'))[0]).toBe(target);
      expect(fs.readFileSync(path.join(mappingsDir, 'rules.yaml'), 'utf8')).toBe(pinRules(target));

      const stale = await admin('put', '/v1/admin/mappings/rules.yaml')
        .send({ text: pinRules('drill-1'), base_version: original.body.version })
        .expect(409);
      expect(stale.body.error).toMatchObject({ code: 'version_conflict' });
      expect(stale.body.error.details[0]).toMatchObject({ field: 'base_version', rule: 'stale' });

      const undone = await admin('post', '/v1/admin/mappings/rules.yaml/undo')
        .send({ base_version: saved.body.version })
        .expect(200);
      expect(undone.body.version).toBe(original.body.version);
      expect(undone.body.text).toBe(original.body.text);
      expect(await searchIds('drill')).toEqual(before);
      await admin('post', '/v1/admin/mappings/rules.yaml/undo')
        .send({ base_version: undone.body.version })
        .expect(404);
    });

    it('applies a suggestions blocklist save to autocomplete', async () => {
      const file = await admin('get', '/v1/admin/mappings/suggestions-blocklist.yaml').expect(200);
      await admin('put', '/v1/admin/mappings/suggestions-blocklist.yaml')
        .send({ text: 'phrases:\n  - cordless\n', base_version: file.body.version })
        .expect(200);
      expect(runtime.mappings.current.suggestionBlocklist.blocks('cordless drill')).toBe(true);
    });

    it('reaches no file outside the editable list', async () => {
      for (const name of ['search.yaml', '..%2Fpackage.json', '.history', 'rules.yaml.bak']) {
        const { body } = await admin('get', `/v1/admin/mappings/${name}`).expect(404);
        expect(body.error.code).toBe('not_found');
      }
      await admin('put', '/v1/admin/mappings/..%2F..%2Fevil.yaml')
        .send({ text: 'x', base_version: '0000000000000000' })
        .expect(404);
      expect(fs.existsSync(path.resolve('evil.yaml'))).toBe(false);
      const missing = await admin('put', '/v1/admin/mappings/rules.yaml')
        .send({ text: 'rules: []' })
        .expect(400);
      expect(missing.body.error.details[0]).toMatchObject({ field: 'base_version' });
    });
  });

  describe('live quality', () => {
    it('samples searches, zero results and latency from the /metrics counters', async () => {
      // Samples are at least a second apart: a baseline a second after the last one (an
      // earlier test may have just read the report), the searches, and a second later the report.
      const pause = () => new Promise((resolve) => setTimeout(resolve, 1100));
      await pause();
      await runtime.quality.sample();
      await request(app).get('/v1/search').query({ q: 'drill' });
      await request(app).get('/v1/search').query({ q: 'mower' });
      await request(app).get('/v1/search').query({ q: 'drill', 'filter.brand': 'NoSuchBrand' });
      await pause();
      const { body } = await admin('get', '/v1/admin/quality').expect(200);
      const last = body.series.at(-1);
      expect(last.searches).toBeGreaterThanOrEqual(3);
      expect(last.zero_result_rate).toBeGreaterThan(0);
      expect(last.search_latency_ms.mean).toBeGreaterThan(0);
      expect(body.current.ctr_by_position).toHaveLength(10);
      expect(body.current.searches_total).toBeGreaterThanOrEqual(3);
    });

    it('counts top queries and zero-result queries by normalized text, previews and browse left out', async () => {
      const total = async (q: string, filters: Record<string, string> = {}) =>
        (
          await request(app)
            .get('/v1/search')
            .query({ q, ...filters })
            .expect(200)
        ).body.total as number;
      // Nonsense text and a brand no product has: nothing matches (kNN alone would always find neighbours).
      const nothing = { 'filter.brand': 'NoSuchBrand' };
      expect(await total('garden hose')).toBeGreaterThan(0);
      expect(await total('  Garden   HOSE ')).toBeGreaterThan(0);
      expect(await total('GARDEN hose')).toBeGreaterThan(0);
      expect(await total('qzxvw wobblefrumpish', nothing)).toBe(0);
      expect(await total('QZXVW   wobblefrumpish', nothing)).toBe(0);
      await request(app).get('/v1/search').query({ 'filter.brand': 'Flexzilla' }).expect(200);
      await admin('post', '/v1/admin/merchandising/preview')
        .send({ queries: ['qzxvw wobblefrumpish', 'garden hose'], files: {} })
        .expect(200);
      await request(app)
        .get('/v1/search')
        .query({ q: `${'x'.repeat(150)} tail` })
        .expect(200);

      const { body } = await admin('get', '/v1/admin/quality').expect(200);
      const top = new Map(body.top_queries.map((q: { text: string }) => [q.text, q]));
      expect(top.get('garden hose')).toEqual({ text: 'garden hose', searches: 3, zero_result_share: 0 });
      expect(top.get('qzxvw wobblefrumpish')).toEqual({
        text: 'qzxvw wobblefrumpish',
        searches: 2,
        zero_result_share: 1,
      });
      expect(body.top_queries.length).toBeLessThanOrEqual(20);
      expect(body.zero_result_queries).toContainEqual({
        text: 'qzxvw wobblefrumpish',
        zero_result_searches: 2,
        searches: 2,
      });
      expect(body.zero_result_queries.map((q: { text: string }) => q.text)).not.toContain('garden hose');
      const texts = body.top_queries.map((q: { text: string }) => q.text);
      expect(texts).not.toContain('');
      expect(texts.every((t: string) => t.length <= 100)).toBe(true);
      expect(body.query_window).toMatchObject({ max_distinct_texts: 5000 });
      expect(Date.parse(body.query_window.since)).toBeLessThanOrEqual(Date.now());
      await request(app).get('/v1/admin/quality').expect(401);
    });

    it('keeps at most 5,000 distinct texts whatever the input, the frequent ones kept', async () => {
      for (let i = 0; i < 6000; i++) runtime.metrics.queries.record(`one-off query ${i}`, i % 2 === 0);
      expect(runtime.metrics.queries.size).toBeLessThanOrEqual(5000);
      const { body } = await admin('get', '/v1/admin/quality').expect(200);
      expect(body.query_window.distinct_texts).toBeLessThanOrEqual(5000);
      expect(body.query_window.distinct_texts).toBeGreaterThan(4000);
      expect(body.top_queries[0].searches).toBeGreaterThanOrEqual(3);
      expect(body.top_queries.map((q: { text: string }) => q.text)).toContain('garden hose');
      expect(body.zero_result_queries.map((q: { text: string }) => q.text)).toContain('qzxvw wobblefrumpish');
    });
  });
});
