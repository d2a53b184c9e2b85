/**
 * A fresh install serves the demo catalog with an encoder trained on it. A shop then posts
 * its own catalog: the demo leaves the store at once, and once the catalog settles the
 * service trains a new encoder on it in the background (searches keep being answered),
 * builds a new generation with it and switches. A restart serves with that encoder.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encoderVersionOf, listEncoderVersions } from '../../src/embeddings/encoder/encoder-artifact.ts';
import { loadDemoCatalogIfEmpty, type Runtime } from '../../src/main/runtime.ts';
import { shopCatalog } from '../fixtures/shop-catalog.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

const KEY = 'adaptation-test-admin-key';

/** The project's mappings, with an adaptation quick enough for a test (one epoch, no teacher). */
function quickAdaptationMappings(): string {
  const dir = temporaryDirectory('mappings-');
  fs.cpSync(path.resolve('mappings'), dir, { recursive: true });
  const file = path.join(dir, 'jobs.yaml');
  const jobs = fs
    .readFileSync(file, 'utf8')
    .replace(/teacher: use/, 'teacher: none')
    .replace(/epochs: 4/, 'epochs: 1')
    .replace(/after_quiet_seconds: \d+/, 'after_quiet_seconds: 0.5');
  fs.writeFileSync(file, jobs);
  return dir;
}

describe('encoder adaptation to the shop catalog', () => {
  const dataDir = temporaryDirectory();
  const modelsDir = temporaryDirectory('models-');
  const mappingsDir = quickAdaptationMappings();
  const env = {
    DATA_DIR: dataDir,
    MODELS_DIR: modelsDir,
    MAPPINGS_DIR: mappingsDir,
    ADMIN_API_KEY: KEY,
    RATE_LIMIT: 'off',
  };
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  let demoEncoder: string;

  beforeAll(async () => {
    // A fresh install's models directory: the encoder trained on the demo catalog.
    fs.cpSync(inject('encoderModelsDir'), modelsDir, { recursive: true });
    runtime = await createTestRuntime({ ...env, DEMO_CATALOG: 'auto' });
    await loadDemoCatalogIfEmpty(runtime);
    demoEncoder = runtime.embedder.current.id;
    app = runtime.createApp();
  }, 120_000);
  afterAll(() => runtime?.close());

  it('drops the demo catalog when the shop catalog arrives, then adapts while searches go on', async () => {
    const ingest = await request(app)
      .post('/v1/products')
      .set('X-API-Key', KEY)
      .send(shopCatalog())
      .expect(200);
    expect(ingest.body).toMatchObject({ accepted: 160, demo_removed: 367 });
    expect(await runtime.backend.countProducts()).toBe(160);

    // Searches while the encoder trains on the worker thread: answered, shop products only.
    let searches = 0;
    let adapted = false;
    const started = Date.now();
    while (!adapted && Date.now() - started < 150_000) {
      const res = await request(app).get('/v1/search').query({ q: 'grey velvet sofa', size: 5 }).expect(200);
      expect(res.body.hits.length).toBeGreaterThan(0);
      for (const hit of res.body.hits) expect(hit.id).toMatch(/^shop-/);
      searches++;
      adapted = runtime.embedder.current.id !== demoEncoder;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(adapted).toBe(true);
    expect(searches).toBeGreaterThan(5);

    const jobs = await request(app).get('/v1/admin/jobs').set('X-API-Key', KEY).expect(200);
    const run = jobs.body.runs.find((r: { job: string }) => r.job === 'reindex');
    expect(run).toMatchObject({ trigger: 'catalog', status: 'succeeded' });
    expect(run.summary).toMatch(/^encoder \S+ trained \(demo_encoder\)/);
    expect(run.progress).toMatchObject({ stage: 'reindex', done: 160, total: 160 });

    const version = encoderVersionOf(runtime.embedder.current.id)!;
    const metadata = listEncoderVersions(modelsDir).find((m) => m.version === version)!;
    expect(metadata.catalog).toMatchObject({ source: 'store', products: 160 });

    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^encoder_adaptations_total\{outcome="adapted"\} 1$/m);
    expect(metrics.text).toMatch(/^encoder_adaptation_progress 1$/m);

    const res = await request(app).get('/v1/search').query({ q: 'oak bookshelf', size: 3 }).expect(200);
    expect(res.body.hits[0].product.title).toMatch(/Oak Bookshelf/);
  }, 180_000);

  it('leaves an adapted encoder alone while the catalog stays the same', async () => {
    const serving = runtime.embedder.current.id;
    const run = await runtime.jobs.runner.run('reindex', 'api');
    expect(run.status).toBe('succeeded');
    expect(run.summary).not.toMatch(/trained/);
    expect(runtime.embedder.current.id).toBe(serving);
  }, 120_000);

  it('serves with the adapted encoder after a restart, and loads no demo into the store again', async () => {
    const serving = runtime.embedder.current.id;
    await runtime.close();
    runtime = await createTestRuntime({ ...env, DEMO_CATALOG: 'auto' });
    expect(runtime.embedder.current.id).toBe(serving);
    expect(await loadDemoCatalogIfEmpty(runtime)).toBe(0);
    app = runtime.createApp();
    const res = await request(app).get('/v1/search').query({ q: 'walnut coffee table', size: 3 }).expect(200);
    expect(res.body.hits[0].product.title).toMatch(/Walnut Coffee Table/);
  }, 120_000);
});
