/**
 * The relevance guardrail through the service: the retrain job picks up the shop's
 * judgment lists from the mappings folder by itself, rejects a model trained on clicks
 * that go to products the judgments call irrelevant (though those clicks say it is
 * better), records why with every number, and `models list` shows it; a model trained on
 * clicks that follow the judgments goes through.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { loadDemoCatalogIfEmpty, type Runtime } from '../../src/main/runtime.ts';
import { seededRandom } from '../../src/ml/seeded-random.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

const KEY = 'gate-test-admin-key-0123456789';
const auth = { 'x-api-key': KEY };
const QUERIES = [
  'drill',
  'lawn mower',
  'headphones',
  'faucet',
  'camera',
  'garden hose',
  'skillet',
  'blender',
];

interface Hit {
  id: string;
  product: { title: string; price?: number; popularity?: number };
}

/** Relevant: the title names every word of the query. */
const matches = (q: string, hit: Hit) =>
  q.split(' ').every((word) => hit.product.title.toLowerCase().includes(word));

/** The project's mappings with a small gate (few lists needed), no shadow phase, and wide result lists. */
function mappings(): string {
  const dir = temporaryDirectory('mappings-');
  fs.cpSync(inject('mappingsDir'), dir, { recursive: true });
  const edit = (file: string, pairs: [string, string][]) => {
    let text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const [from, to] of pairs) {
      expect(text).toContain(from);
      text = text.replace(from, to);
    }
    fs.writeFileSync(path.join(dir, file), text);
  };
  edit('jobs.yaml', [
    ['min_lists: 200', 'min_lists: 20'],
    ['min_lists: 30', 'min_lists: 8'],
    ['epochs: 30', 'epochs: 12'],
    // Eight judged queries: a tolerance meant for hundreds would let a small harm through.
    ['judgment_tolerance: 0.005', 'judgment_tolerance: 0.001'],
  ]);
  // The vector leg pads every list to 20 with products off the query (no similarity floor,
  // no coverage gate), so shoppers have irrelevant products to click on.
  edit('search.yaml', [
    ['searches: 500', 'searches: 0'],
    ['knn_min_similarity: auto', 'knn_min_similarity: 0.0'],
    ['knn_gate: coverage', 'knn_gate: none'],
  ]);
  return dir;
}

async function shopWith(dir: string): Promise<{ runtime: Runtime; app: ReturnType<Runtime['createApp']> }> {
  const runtime = await createTestRuntime({
    ADMIN_API_KEY: KEY,
    MAPPINGS_DIR: dir,
    MODELS_DIR: temporaryDirectory('models-'),
    DEMO_CATALOG: 'auto',
    // Hundreds of shoppers' searches from one test client: the per-client limit is not under test.
    RATE_LIMIT: 'off',
  });
  await loadDemoCatalogIfEmpty(runtime);
  return { runtime, app: runtime.createApp() };
}

/** Judges the fused top 20 of every query by title match (3) or not (1), into mappings/judgments/. */
async function writeJudgments(app: ReturnType<Runtime['createApp']>, dir: string): Promise<void> {
  const rows = ['query,product_uid,relevance'];
  for (const q of QUERIES) {
    const res = await request(app).get('/v1/search').query({ q, size: 20, rerank: 'false' }).expect(200);
    for (const hit of res.body.hits as Hit[]) rows.push(`${q},${hit.id},${matches(q, hit) ? 3 : 1}`);
  }
  fs.mkdirSync(path.join(dir, 'judgments'));
  fs.writeFileSync(path.join(dir, 'judgments', 'shop.csv'), `${rows.join('\n')}\n`);
}

/**
 * 300 searches, half by returning shoppers and half anonymous, each with a click on the
 * product `pick` chooses (and now and then on any product shown).
 */
async function traffic(app: ReturnType<Runtime['createApp']>, pick: (q: string, hits: Hit[]) => Hit) {
  const random = seededRandom(11);
  for (let i = 0; i < 300; i++) {
    const q = QUERIES[i % QUERIES.length]!;
    const shopper = i % 2 === 0 ? { user_id: `shopper-${i % 12}` } : { session_id: `visit-${i}` };
    const res = await request(app)
      .get('/v1/search')
      .query({ q, size: 20, ...shopper })
      .expect(200);
    const hits = res.body.hits as Hit[];
    const picked = random() < 0.85 ? pick(q, hits) : hits[Math.floor(random() * hits.length)]!;
    await request(app)
      .post('/v1/events')
      .send({
        event_id: `e${i}`,
        type: 'click',
        ...shopper,
        query_id: res.body.query_id,
        product_id: picked.id,
        timestamp: new Date().toISOString(), // events arrive after their search, as a shop sends them
      })
      .expect(200);
  }
}

async function runRetrain(app: ReturnType<Runtime['createApp']>) {
  const started = await request(app).post('/v1/admin/jobs/retrain/run').set(auth).expect(202);
  let run: { status: string; summary?: string; counts: Record<string, number> } | undefined;
  await vi.waitFor(
    async () => {
      const res = await request(app).get('/v1/admin/jobs').query({ job: 'retrain' }).set(auth).expect(200);
      run = res.body.runs.find((r: { id: string }) => r.id === started.body.run.id);
      expect(run?.status).not.toBe('running');
    },
    { timeout: 120_000, interval: 250 },
  );
  return run!;
}

function modelsList(modelsDir: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['bin/hybrid-search.js', 'models', 'list'],
      {
        env: { ...process.env, DATA_DIR: temporaryDirectory(), MODELS_DIR: modelsDir, LOG_LEVEL: 'silent' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe('the relevance guardrail of the retrain job', () => {
  const open: Runtime[] = [];
  afterAll(async () => {
    for (const runtime of open) await runtime.close();
  });

  it('rejects a model trained on clicks on irrelevant products, on the judgments in mappings/', async () => {
    const dir = mappings();
    const { runtime, app } = await shopWith(dir);
    open.push(runtime);
    await writeJudgments(app, dir);
    // The bias: shoppers click the most popular product that is not what they searched for.
    await traffic(app, (q, hits) => {
      const off = hits.filter((h) => !matches(q, h));
      const pool = off.length > 0 ? off : hits;
      return pool.reduce((a, b) => ((b.product.popularity ?? 0) > (a.product.popularity ?? 0) ? b : a));
    });

    const run = await runRetrain(app);
    expect(run.status).toBe('succeeded');
    expect(run.counts.promoted).toBe(0);
    expect(run.summary).toMatch(/not promoted: .*human-judged NDCG@10/);
    expect(runtime.rankers.state().active).toBeUndefined();

    const [model] = runtime.rankers.list();
    const gate = model!.gate!;
    expect(gate.judgments).toBe(path.join(dir, 'judgments'));
    for (const segment of ['with_history', 'without_history'] as const) {
      const { serve, checks } = gate.segments[segment];
      expect(serve).toBe(false);
      expect(checks.judgments!.queries).toBeGreaterThan(0);
      expect(checks.judgments!.passed).toBe(false);
      expect(checks.judgments!.ndcg10).toBeLessThan(checks.judgments!.ndcg10_fused);
    }
    // The clicks alone would have let it through: they were as biased as its training.
    expect(gate.segments.without_history.checks.clicks!.ndcg10).toBeGreaterThan(
      gate.segments.without_history.checks.clicks!.ndcg10_fused,
    );

    const listed = (await modelsList(runtime.config.modelsDir)) as Record<string, unknown>[];
    expect(listed[0]).toMatchObject({
      version: model!.version,
      status: 'rejected',
      serving: false,
      serves: { shoppers_with_history: false, shoppers_without_history: false },
      gate: { judgments: path.join(dir, 'judgments') },
    });
    expect(listed[0]!.position_bias).toMatchObject({ by_position: expect.any(Array) });
  }, 240_000);

  it('lets through a model trained on clicks that follow the judgments', async () => {
    const dir = mappings();
    const { runtime, app } = await shopWith(dir);
    open.push(runtime);
    await writeJudgments(app, dir);
    // Shoppers click what they searched for: the cheapest matching product.
    await traffic(app, (q, hits) => {
      const relevant = hits.filter((h) => matches(q, h));
      const pool = relevant.length > 0 ? relevant : hits;
      return pool.reduce((a, b) => ((b.product.price ?? 1e9) < (a.product.price ?? 1e9) ? b : a));
    });
    const run = await runRetrain(app);
    expect(run.status).toBe('succeeded');
    const [model] = runtime.rankers.list();
    const { segments } = model!.gate!;
    expect(segments.without_history.checks.judgments!.passed).toBe(true);
    expect(segments.with_history.checks.judgments!.passed).toBe(true);
    expect(run.counts.promoted).toBe(1);
    expect(runtime.rankers.state().active).toBe(model!.version);
  }, 240_000);
});
