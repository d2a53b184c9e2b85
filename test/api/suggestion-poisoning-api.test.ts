/**
 * Issue 14, finding 5: three searches from three made-up session ids put an attacker's
 * phrase into everyone's suggestions. Now only signed-in shoppers who acted on a query's
 * results vouch for it, a blocklist in mappings/ keeps phrases out (validated, applied on
 * edit), and an operator can take a suggestion out at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadMappings } from '../../src/main/mappings.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

const KEY = 'test-admin-key-0123456789';
const auth = { 'x-api-key': KEY };

function mappingsCopy(): string {
  const dir = temporaryDirectory('mappings-');
  for (const file of fs.readdirSync('mappings')) {
    if (file.endsWith('.yaml')) fs.copyFileSync(path.join('mappings', file), path.join(dir, file));
  }
  return dir;
}

describe('autocomplete poisoning (finding 5)', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  const mappings = mappingsCopy();

  beforeAll(async () => {
    runtime = await createTestRuntime({ ADMIN_API_KEY: KEY, EMBEDDER: 'hashing', MAPPINGS_DIR: mappings });
    app = runtime.createApp();
    await request(app).post('/v1/products').set(auth).send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  const suggested = async (q: string): Promise<string[]> =>
    (await request(app).get('/v1/suggest').query({ q }).expect(200)).body.suggestions.map(
      (s: { text: string }) => s.text,
    );

  async function searchAndClick(q: string, shopper: { user_id?: string; session_id?: string }) {
    const search = await request(app)
      .get('/v1/search')
      .query({ q, ...shopper })
      .expect(200);
    if (search.body.hits.length === 0) throw new Error(`"${q}" found nothing`);
    await request(app)
      .post('/v1/events')
      .send({
        event_id: `${search.body.query_id}:click`,
        type: 'click',
        ...shopper,
        query_id: search.body.query_id,
        product_id: search.body.hits[0].id,
        timestamp: new Date().toISOString(),
      })
      .expect(200);
  }

  const regenerate = () => runtime.suggestions.regenerate({ days: 1, minShoppers: 3 });

  it('does not suggest what made-up sessions typed, even when they click', async () => {
    for (const session of ['s-fake-1', 's-fake-2', 's-fake-3']) {
      await searchAndClick('drill buy at evil example', { session_id: session });
    }
    await regenerate();
    expect(await suggested('drill buy')).not.toContain('drill buy at evil example');
  });

  it('does not suggest what signed-in shoppers typed but never acted on', async () => {
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      await request(app).get('/v1/search').query({ q: 'drill nobody clicked', user_id: user }).expect(200);
    }
    await regenerate();
    expect(await suggested('drill nob')).toEqual([]);
  });

  it('suggests a query three signed-in shoppers typed and acted on', async () => {
    for (const user of ['u1', 'u2', 'u3']) await searchAndClick('cordless drill kit', { user_id: user });
    await regenerate();
    expect(await suggested('cordless drill k')).toEqual(['cordless drill kit']);
  });

  it('keeps blocklisted phrases out at once when the file is edited, and validates it', async () => {
    const file = path.join(mappings, 'suggestions-blocklist.yaml');
    fs.writeFileSync(file, 'phrases:\n  - Drill KIT\n');
    expect(runtime.mappings.reload()).toBeUndefined();
    expect(await suggested('cordless drill k')).toEqual([]);
    await regenerate();
    expect(await suggested('cordless drill k')).toEqual([]);

    fs.writeFileSync(file, 'phrases:\n  - ok\n  - 42\nextra: 1\n');
    expect(() => loadMappings(mappings)).toThrow(/suggestions-blocklist\.yaml:4:1 extra: unknown key/);
    expect(() => loadMappings(mappings)).toThrow(/suggestions-blocklist\.yaml:3:5 phrases\.1/);
    // A bad edit leaves the last good list in force.
    expect(runtime.mappings.reload()).toBeInstanceOf(Error);
    expect(await suggested('cordless drill k')).toEqual([]);

    fs.writeFileSync(file, 'phrases: []\n');
    expect(runtime.mappings.reload()).toBeUndefined();
    expect(await suggested('cordless drill k')).toEqual(['cordless drill kit']);
  });

  it('lets an operator remove a suggestion at once, and it stays out of later generations', async () => {
    await request(app).delete('/v1/admin/suggestions/cordless%20drill%20kit').expect(401);
    const res = await request(app)
      .delete('/v1/admin/suggestions/Cordless%20Drill%20Kit')
      .set(auth)
      .expect(200);
    expect(res.body).toEqual({ text: 'Cordless Drill Kit', removed: true, was_suggested: true });
    expect(await suggested('cordless drill k')).toEqual([]);
    await regenerate();
    expect(await suggested('cordless drill k')).toEqual([]);
    await request(app).delete('/v1/admin/suggestions/%FF').set(auth).expect(400);
    await request(app).delete('/v1/admin/suggestions/%20%20').set(auth).expect(400);
  });

  it('takes a removal to every process sharing the suggestions within seconds', async () => {
    const other = await createTestRuntime({
      DATA_DIR: runtime.config.dataDir,
      EMBEDDER: 'hashing',
      MAPPINGS_DIR: mappings,
    });
    try {
      const otherApp = other.createApp();
      const before = (await request(otherApp).get('/v1/suggest').query({ q: 'dewal' }).expect(200)).body;
      expect(before.suggestions.map((s: { text: string }) => s.text)).toContain('dewalt');
      await request(app).delete('/v1/admin/suggestions/dewalt').set(auth).expect(200);
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11_000 });
      const after = (await request(otherApp).get('/v1/suggest').query({ q: 'dewal' }).expect(200)).body;
      expect(after.suggestions.map((s: { text: string }) => s.text)).not.toContain('dewalt');
    } finally {
      vi.useRealTimers();
      await other.close();
    }
  });
});
