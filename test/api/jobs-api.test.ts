/**
 * Maintenance jobs through the admin API: each job's effect, no overlap (also across
 * runners sharing the lock store), the recorded history, and stopping at a safe point.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { SqliteJobStore } from '../../src/backends/embedded/job-store.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { createLogger } from '../../src/main/logger.ts';
import { loadDemoCatalogIfEmpty, type Runtime } from '../../src/main/runtime.ts';
import { seededRandom } from '../../src/ml/seeded-random.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

const KEY = 'test-admin-key-0123456789';
const auth = { Authorization: `Bearer ${KEY}` };

/** A copy of mappings/ whose jobs.yaml the test can edit. */
function mappingsCopy(edit: (jobs: string) => string): string {
  const dir = temporaryDirectory('mappings-');
  for (const file of ['boosts.yaml', 'search.yaml', 'jobs.yaml'])
    fs.copyFileSync(path.resolve('mappings', file), path.join(dir, file));
  fs.writeFileSync(path.join(dir, 'jobs.yaml'), edit(fs.readFileSync(path.join(dir, 'jobs.yaml'), 'utf8')));
  return dir;
}

async function runJob(app: ReturnType<Runtime['createApp']>, job: string) {
  const started = await request(app).post(`/v1/admin/jobs/${job}/run`).set(auth).expect(202);
  const id = started.body.run.id;
  let run: { status: string } | undefined;
  await vi.waitFor(
    async () => {
      const res = await request(app).get('/v1/admin/jobs').query({ job, limit: 5 }).set(auth).expect(200);
      run = res.body.runs.find((r: { id: string }) => r.id === id);
      expect(run?.status).not.toBe('running');
    },
    { timeout: 60_000, interval: 100 },
  );
  return run as { status: string; counts: Record<string, number>; summary?: string; error?: string };
}

describe('admin API', () => {
  it('is off without a key and refuses a wrong one', async () => {
    const off = await createTestRuntime();
    await request(off.createApp()).get('/v1/admin/jobs').expect(403);
    await off.close();
    const on = await createTestRuntime({ ADMIN_API_KEY: KEY });
    const app = on.createApp();
    const missing = await request(app).get('/v1/admin/jobs').expect(401);
    expect(missing.body.error.code).toBe('unauthorized');
    expect(missing.headers['www-authenticate']).toMatch(/Bearer/);
    await request(app)
      .get('/v1/admin/jobs')
      .set('Authorization', 'Bearer wrong-key-wrong-key-wrong')
      .expect(401);
    await request(app).get('/v1/admin/jobs').set('X-API-Key', KEY).expect(200);
    await request(app).post('/v1/admin/jobs/defrag/run').set(auth).expect(404);
    await on.close();
  });
});

describe('maintenance jobs', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  const feed = path.join(temporaryDirectory('feed-'), 'catalog.ndjson');

  beforeAll(async () => {
    const mappings = mappingsCopy((jobs) =>
      jobs
        .replace('    # feed:', `    feed:\n      path: ${feed}\n    # old feed:`)
        .replace('min_shoppers: 3', 'min_shoppers: 2'),
    );
    runtime = await createTestRuntime({
      ADMIN_API_KEY: KEY,
      MAPPINGS_DIR: mappings,
      MODELS_DIR: temporaryDirectory('models-'),
    });
    app = runtime.createApp();
    await request(app).post('/v1/products').set(auth).send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  it('reindex rebuilds from the catalog feed: a changed product is found by its new title', async () => {
    const changed = FIXTURE_PRODUCTS.map((p) =>
      p.id === 'wrench-1' ? { ...p, title: 'Craftsman 12 in. Pipe Wrench' } : p,
    ).filter((p) => p.id !== 'bare-1');
    fs.writeFileSync(feed, [...changed.map((p) => JSON.stringify(p)), '{"id": "broken"}'].join('\n'));
    const before = await request(app).get('/v1/search').query({ q: 'pipe', explain: 'true' }).expect(200);
    expect(before.body.hits.filter((h: { explain: { bm25: unknown } }) => h.explain.bm25)).toEqual([]);

    const run = await runJob(app, 'reindex');
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({ documents: 9, rejected: 1 });
    const after = await request(app).get('/v1/search').query({ q: 'pipe', explain: 'true' }).expect(200);
    expect(after.body.hits[0]).toMatchObject({ id: 'wrench-1', explain: { bm25: { rank: 1 } } });
    await request(app).get('/v1/products/bare-1').expect(404);
  });

  it('never runs one job twice at once, also across runners sharing the lock store', async () => {
    const slowJobs = {
      reindex: () => new Promise<never>(() => undefined),
      suggestions: async () => ({}),
      retrain: async () => ({}),
      recommendations: async () => ({}),
      retention: async () => ({}),
    };
    const store = new SqliteJobStore(path.join(temporaryDirectory(), 'jobs.db'));
    const logger = createLogger('silent');
    const a = new JobRunner(store, slowJobs, logger, { lockTtlMs: 60_000 });
    const b = new JobRunner(store, slowJobs, logger, { lockTtlMs: 60_000 });
    Object.defineProperty(b, 'owner', { value: 'other-replica:1' });
    await a.start('reindex', 'api');
    await expect(a.start('reindex', 'api')).rejects.toMatchObject({ code: 'job_running' });
    await expect(b.start('reindex', 'schedule')).rejects.toMatchObject({ code: 'job_running' });
    await expect(b.run('suggestions', 'cli')).resolves.toMatchObject({ status: 'succeeded' });
    // A lock whose owner died expires: another runner takes over.
    expect(await store.acquireLock('retrain', 'crashed:1', 50)).toBe(true);
    await expect(b.start('retrain', 'api')).rejects.toMatchObject({ code: 'job_running' });
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(b.run('retrain', 'api')).resolves.toMatchObject({ status: 'succeeded' });
    await a.shutdown(100);
    await store.close();
  });

  it('answers 409 while a job runs, and the API run is recorded', async () => {
    const first = await request(app).post('/v1/admin/jobs/suggestions/run').set(auth).expect(202);
    const second = await request(app).post('/v1/admin/jobs/suggestions/run').set(auth);
    expect([202, 409]).toContain(second.status);
    if (second.status === 409) expect(second.body.error.code).toBe('job_running');
    await vi.waitFor(async () => {
      const res = await request(app).get('/v1/admin/jobs').set(auth).expect(200);
      expect(res.body.runs.find((r: { id: string }) => r.id === first.body.run.id)?.status).toBe('succeeded');
    });
  });

  it('suggestions come from the query log (only queries several shoppers typed) and the catalog', async () => {
    // A query vouched for by three signed-in shoppers who each clicked one of its results.
    for (const user of ['ann', 'ben', 'cid']) {
      const search = await request(app)
        .get('/v1/search')
        .query({ q: 'cordless drill', user_id: user })
        .expect(200);
      await request(app)
        .post('/v1/events')
        .send({
          event_id: `click-${user}`,
          type: 'click',
          user_id: user,
          query_id: search.body.query_id,
          product_id: search.body.hits[0].id,
          timestamp: new Date().toISOString(),
        })
        .expect(200);
    }
    await request(app).get('/v1/search').query({ q: 'dewalt secret project', user_id: 'ann' }).expect(200);
    const run = await runJob(app, 'suggestions');
    expect(run.status).toBe('succeeded');
    expect(run.counts.from_queries).toBeGreaterThanOrEqual(1);
    const cord = await request(app).get('/v1/suggest').query({ q: 'cordl' }).expect(200);
    expect(cord.body.suggestions[0]).toEqual({ text: 'cordless drill', source: 'query' });
    const dewalt = await request(app).get('/v1/suggest').query({ q: 'dew' }).expect(200);
    expect(dewalt.body.suggestions.map((s: { text: string }) => s.text)).toContain('dewalt');
    expect(dewalt.body.suggestions.map((s: { text: string }) => s.text)).not.toContain(
      'dewalt secret project',
    );
    const byWord = await request(app).get('/v1/suggest').query({ q: 'dri' }).expect(200);
    expect(byWord.body.suggestions.map((s: { text: string }) => s.text)).toContain('cordless drill');
    await request(app)
      .get('/v1/suggest')
      .query({ q: 'x'.repeat(101) })
      .expect(400);
  });

  it('retention deletes events and logged searches older than their windows (jobs.yaml)', async () => {
    const day = 86_400_000;
    const now = Date.now();
    // Stored as a year of traffic would have left them (the API takes only recent events).
    await runtime.eventStore.appendEvents([
      { eventId: 'ancient', type: 'click', productId: 'drill-1', userHash: 'h1', timestamp: now - 400 * day },
      { eventId: 'recent', type: 'click', productId: 'drill-1', userHash: 'h1', timestamp: now - day },
    ]);
    runtime.eventStore.recordImpression({
      queryId: 'q-ancient',
      query: 'a@b.example',
      timestamp: now - 91 * day,
      items: [],
    });
    await runtime.eventStore.flush();
    const run = await runJob(app, 'retention');
    expect(run.status).toBe('succeeded');
    expect(run.counts).toEqual({ events_deleted: 1, impressions_deleted: 1 });
    expect(await runtime.eventStore.impression('q-ancient')).toBeUndefined();
    const left = [];
    for await (const page of runtime.eventStore.userEvents()) left.push(...page.map((e) => e.eventId));
    expect(left).toContain('recent');
    expect(left).not.toContain('ancient');
  });

  it('records the history: status, counts, timings, per job', async () => {
    const res = await request(app).get('/v1/admin/jobs').set(auth).expect(200);
    const names = res.body.jobs.map((j: { job: string }) => j.job);
    expect(names).toEqual(['reindex', 'suggestions', 'retrain', 'recommendations', 'retention']);
    const reindex = res.body.jobs[0];
    expect(reindex).toMatchObject({ schedule: '30 2 * * *', enabled: true, timezone: 'UTC', running: false });
    expect(reindex.last_run).toMatchObject({ job: 'reindex', status: 'succeeded', trigger: 'api' });
    expect(reindex.last_run.duration_seconds).toBeGreaterThanOrEqual(0);
    expect(res.body.runs.length).toBeGreaterThanOrEqual(4);
    await request(app).get('/v1/admin/jobs').query({ job: 'nope' }).set(auth).expect(400);
  });
});

describe('retrain job', () => {
  it('shadows a better model on live searches, then serves it; a worse one stays out', async () => {
    // These shoppers pick the cheapest product anywhere in the list, so the model that learns it
    // reorders the fused top 10 a lot (rank-biased overlap about 0.5, the default floor), and
    // how many held-out lists fall to shoppers with history shifts with timing (27-48 seen).
    // The shadow path is under test here; the floors have their own tests (gate.test.ts).
    const mappings = mappingsCopy((jobs) =>
      jobs
        .replace('min_lists: 200', 'min_lists: 50')
        .replace('min_fused_agreement: 0.5', 'min_fused_agreement: 0.3')
        .replace('min_lists: 30', 'min_lists: 15'),
    );
    const searchFile = path.join(mappings, 'search.yaml');
    fs.writeFileSync(
      searchFile,
      fs
        .readFileSync(searchFile, 'utf8')
        .replace(/share: [\d.]+/, 'share: 0')
        .replace('searches: 500', 'searches: 40')
        .replace('min_clicks: 50', 'min_clicks: 10'),
    );
    const runtime = await createTestRuntime({
      ADMIN_API_KEY: KEY,
      MAPPINGS_DIR: mappings,
      MODELS_DIR: temporaryDirectory('models-'),
      DEMO_CATALOG: 'auto',
      // Hundreds of shoppers' searches from one test client: the per-client limit is not under test.
      RATE_LIMIT: 'off',
    });
    await loadDemoCatalogIfEmpty(runtime);
    const app = runtime.createApp();
    const random = seededRandom(5);
    const queries = [
      'drill',
      'lawn mower',
      'headphones',
      'faucet',
      'skillet',
      'running shoes',
      'camera',
      'hose',
    ];
    // Shoppers mostly pick the cheapest product shown, wherever it is placed; sometimes any.
    const searchAndClick = async (i: number, query: Record<string, string> = {}) => {
      const res = await request(app)
        .get('/v1/search')
        .query({ q: queries[i % queries.length]!, user_id: `s${i % 9}`, ...query })
        .expect(200);
      const hits = res.body.hits as { id: string; product: { price?: number } }[];
      const cheapest = hits.reduce((best, h) =>
        (h.product.price ?? 1e9) < (best.product.price ?? 1e9) ? h : best,
      );
      const picked = random() < 0.8 ? cheapest : hits[Math.floor(random() * hits.length)]!;
      await request(app)
        .post('/v1/events')
        .send({
          event_id: `r${i}`,
          type: 'click',
          user_id: `s${i % 9}`,
          query_id: res.body.query_id,
          product_id: picked.id,
          timestamp: new Date().toISOString(),
        })
        .expect(200);
      return res;
    };
    for (let i = 0; i < 240; i++) await searchAndClick(i, { rerank: 'false' });

    const first = await runJob(app, 'retrain');
    expect(first.status).toBe('succeeded');
    expect(first.counts).toMatchObject({ promoted: 0, shadow: 1 });
    expect(first.summary).toMatch(
      /passed the gate for shoppers with history .* >= fused order.*40 live searches in shadow/,
    );
    const candidate = runtime.rankers.state().shadow!.version;
    expect(runtime.rankers.state().active).toBeUndefined();

    // In shadow: shoppers still get the fused order while the model scores their searches.
    for (let i = 240; i < 280; i++) {
      const served = await searchAndClick(i);
      expect(served.body.ranking).toMatchObject({ model: null, fallback: 'no_model' });
      if (i === 250) {
        const metrics = await request(app).get('/metrics').expect(200);
        expect(metrics.text).toMatch(
          new RegExp(`ranking_shadow_searches\\{version="${candidate}"\\} (1[0-9]|[2-9][0-9])`),
        );
        expect(metrics.text).toContain(`ranking_shadow_searches_needed{version="${candidate}"} 40`);
      }
    }
    await vi.waitFor(() => expect(runtime.reranker.active?.version).toBe(candidate), { timeout: 5000 });
    const report = runtime.rankers.shadowReport(candidate)!;
    expect(report).toMatchObject({ status: 'promoted', searches: 40, searches_needed: 40 });
    expect(report.clicks).toBeGreaterThanOrEqual(10);
    expect(report.click_ratio).toBeGreaterThan(0.98);
    expect(report.overlap_at_10).toBeGreaterThan(0);
    expect(report.overlap_at_10).toBeLessThanOrEqual(1);
    expect(report.mean_displacement).toBeGreaterThan(0);
    expect(report.decision).toMatch(/^promoted after shadow scoring \(40 searches/);
    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toContain('ranking_shadow_decisions_total{decision="promoted"} 1');
    expect(metrics.text).toContain('ranking_model_serves_segment{segment="with_history"} 1');
    expect(metrics.text).toMatch(
      /ranking_examination_propensity\{position="1",method="(em|randomized_pairs)"\} 1/,
    );
    expect((await searchAndClick(280)).body.ranking).toMatchObject({ model: candidate, reranked: true });

    // A learning rate of 0 leaves the network as it started: no better than what serves.
    const jobsFile = path.join(runtime.config.mappingsDir, 'jobs.yaml');
    fs.writeFileSync(
      jobsFile,
      fs
        .readFileSync(jobsFile, 'utf8')
        .replace('learning_rate: 0.003', 'learning_rate: 0')
        .replace('epochs: 30', 'epochs: 1'),
    );
    expect(runtime.mappings.reload()).toBeUndefined();
    const second = await runJob(app, 'retrain');
    expect(second.status).toBe('succeeded');
    expect(second.counts).toMatchObject({ promoted: 0, shadow: 0 });
    expect(second.summary).toMatch(/not promoted/);
    expect(runtime.rankers.state()).toMatchObject({ active: candidate });
    expect(runtime.rankers.state().shadow).toBeUndefined();
    await runtime.close();
    // 280 searches and two trainings: over a minute on a busy 2-core machine.
  }, 180_000);
});

describe('stopping', () => {
  it('aborts a running reindex at a safe point and leaves the serving generation', async () => {
    const runtime = await createTestRuntime();
    await request(runtime.createApp()).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
    const slow = {
      id: 'slow-model',
      dimensions: 8,
      embed: async (texts: readonly string[]) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return texts.map(() => Float32Array.from({ length: 8 }, (_, i) => (i === 0 ? 1 : 0)));
      },
    };
    const aborting = new AbortController();
    const building = runtime.catalog.reindex({ embedder: slow, signal: aborting.signal });
    aborting.abort(new Error('SIGTERM'));
    await expect(building).rejects.toThrow('SIGTERM');
    const files = fs.readdirSync(runtime.config.dataDir).filter((f) => /^search.*\.db$/.test(f));
    expect(files).toEqual(['search.db']);
    expect(runtime.embedder.current.id).not.toBe('slow-model');
    await runtime.close();
  });

  it('`jobs run <name>` runs a job from the command line, as a CronJob does', async () => {
    const dataDir = temporaryDirectory();
    const output = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bin/hybrid-search.js', 'jobs', 'run', 'suggestions'],
        {
          env: {
            ...process.env,
            DATA_DIR: dataDir,
            MODELS_DIR: inject('encoderModelsDir'),
            LOG_LEVEL: 'silent',
            DEMO_CATALOG: 'off',
          },
          timeout: 60_000,
        },
        (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
      );
    });
    expect(output.code).toBe(0);
    expect(JSON.parse(output.stdout)).toMatchObject({
      job: 'suggestions',
      trigger: 'cli',
      status: 'succeeded',
    });
  });
});
