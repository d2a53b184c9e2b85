/**
 * The retrain job's experiment promotion (`retrain.promotion: experiment`): while the
 * experiment runs, or when an ended one has no significant winner, nothing is promoted; once
 * an interleaving experiment whose treatment shoppers clicked ends, the job promotes that
 * model version and search serves it. Searches, clicks and the job go through the API.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Runtime } from '../../src/main/runtime.ts';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../src/ranking/features/feature-set.ts';
import { RankerRegistry } from '../../src/ranking/model-registry.ts';
import type { RankerMetadata } from '../../src/ranking/ranker-model.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

const KEY = 'promotion-admin-key-0123456789';
const TREATMENT = 'ranker-b';
/** Long enough for the searches below on a loaded machine; the test waits for it to pass. */
const RUNS_FOR_MS = 25_000;

/** A saved linear ranker over this build's features: a real model file, small enough to write here. */
function saveLinearRanker(modelsDir: string, version: string): void {
  const metadata = {
    kind: 'ranker',
    format: 1,
    version,
    features: [...FEATURE_NAMES],
    normalization: { mean: new Array(FEATURE_COUNT).fill(0), std: new Array(FEATURE_COUNT).fill(1) },
    hidden: [],
    trained_at: new Date().toISOString(),
    tensorflow: { backend: 'cpu', provider: 'test', gpu: false },
    training: {
      source: 'judgments',
      lists: 0,
      items: 0,
      epochs: 1,
      best_epoch: 1,
      batch_lists: 1,
      learning_rate: 0.01,
      seconds: 0,
      epoch_seconds: [],
      epoch_loss: [],
      epoch_heldout_ndcg: [],
    },
    metrics: { heldout_lists: 0, ndcg10: 0, ndcg10_fused: 0 },
  } as unknown as RankerMetadata;
  const weights = Float32Array.from({ length: FEATURE_COUNT }, (_, i) => ((i * 7919) % 13) / 13 - 0.5);
  new RankerRegistry(modelsDir).save(metadata, [
    { inputs: FEATURE_COUNT, outputs: 1, activation: 'linear', weights, bias: new Float32Array(1) },
  ]);
}

describe('retrain promotes the winner of an ended experiment', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  let ends: number;

  beforeAll(async () => {
    const mappings = temporaryDirectory('mappings-');
    fs.cpSync(inject('mappingsDir'), mappings, { recursive: true });
    const jobsFile = path.join(mappings, 'jobs.yaml');
    fs.writeFileSync(
      jobsFile,
      fs.readFileSync(jobsFile, 'utf8').replace('promotion: gate', 'promotion: experiment'),
    );
    ends = Date.now() + RUNS_FOR_MS;
    const iso = (at: number) => new Date(at).toISOString();
    fs.writeFileSync(
      path.join(mappings, 'experiments.yaml'),
      `alpha: 0.05
experiments:
  - id: b-vs-fused
    control: fused
    treatment: ${TREATMENT}
    start: "${iso(Date.now() - 3_600_000)}"
    end: "${iso(ends)}"
  - id: ended-without-traffic
    control: fused
    treatment: ${TREATMENT}
    start: "${iso(Date.now() - 2 * 86_400_000)}"
    end: "${iso(Date.now() - 86_400_000)}"
`,
    );
    const modelsDir = temporaryDirectory('models-');
    saveLinearRanker(modelsDir, TREATMENT);
    runtime = await createTestRuntime({
      EMBEDDER: 'hashing',
      MAPPINGS_DIR: mappings,
      MODELS_DIR: modelsDir,
      ADMIN_API_KEY: KEY,
      RATE_LIMIT: 'off',
    });
    app = runtime.createApp();
    await request(app).post('/v1/products').set('X-API-Key', KEY).send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  const retrain = async () => {
    const run = await runtime.jobs.runner.run('retrain', 'api');
    expect(run.status).toBe('succeeded');
    return run;
  };

  it('promotes nothing while the experiment runs or when an ended one has no winner', async () => {
    const run = await retrain();
    expect(run.counts).toMatchObject({ promoted: 0 });
    expect(runtime.rankers.state().active).toBeUndefined();
  });

  it('promotes the treatment once the experiment its clicks won has ended', async () => {
    let clicked = 0;
    for (let i = 0; i < 10; i++) {
      const session = `promotion-shopper-${i}`;
      const body = (
        await request(app)
          .get('/v1/search')
          .query({ q: i % 2 ? 'mower' : 'drill', session_id: session })
          .expect(200)
      ).body;
      expect(body.ranking.experiment).toEqual({ id: 'b-vs-fused', method: 'interleaving' });
      await runtime.eventStore.flush();
      const shown = await runtime.eventStore.impression(body.query_id);
      const pick = shown!.items.find((item) => item.team === 'treatment');
      if (!pick) continue;
      await request(app)
        .post('/v1/events')
        .send({
          event_id: `promotion-click-${i}`,
          type: 'click',
          session_id: session,
          query_id: body.query_id,
          product_id: pick.productId,
          timestamp: new Date().toISOString(),
        })
        .expect(200);
      clicked++;
    }
    expect(clicked).toBeGreaterThanOrEqual(8);
    expect(Date.now()).toBeLessThan(ends); // the searches counted: they were inside the window
    // Still running: no winner yet.
    expect((await retrain()).counts).toMatchObject({ promoted: 0 });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, ends - Date.now() + 50)));

    const run = await retrain();
    expect(run.counts).toMatchObject({ promoted: 1 });
    expect(run.summary).toMatch(/ranker-b: promoted, it won experiment b-vs-fused/);
    expect(runtime.rankers.state().active).toBe(TREATMENT);
    const after = (await request(app).get('/v1/search').query({ q: 'drill' }).expect(200)).body;
    expect(after.ranking).toMatchObject({ model: TREATMENT });
    // Already serving: a second run has nothing to promote.
    expect((await retrain()).counts).toMatchObject({ promoted: 0 });
  });
});
