/**
 * Learning to rank end to end: lists from judgments and from logged events, training with
 * TensorFlow.js, the promotion gate, rollback, hot reload in the serving path, and the
 * fallback when a model is broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseJudgmentsCsv } from '../../src/eval/judgments.ts';
import type { Runtime } from '../../src/main/runtime.ts';
import { FEATURE_COUNT } from '../../src/ranking/features/feature-set.ts';
import { trainAndGate } from '../../src/ranking/training/ranker-training.ts';
import {
  listsFromEvents,
  listsFromJudgments,
  splitLists,
} from '../../src/ranking/training/training-lists.ts';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { createTestRuntime, temporaryDirectory } from '../helpers/runtime.ts';

/** Cheaper is better, for every query: a signal retrieval ignores and features carry (price). */
function priceJudgments(): string {
  const queries = [
    'garden',
    'drill',
    'mower',
    'tools',
    'power',
    'steel',
    'hose',
    'cordless',
    'cast iron',
    'blower',
  ];
  const priced = FIXTURE_PRODUCTS.filter((p) => p.price !== undefined).sort((a, b) => a.price! - b.price!);
  const rows = ['query,product_uid,relevance'];
  for (const [qi, q] of queries.entries()) {
    for (let copy = 0; copy < 6; copy++) {
      for (const [i, p] of priced.entries()) {
        rows.push(`${q} ${copy || ''}${qi},${p.id},${(3 - (2 * i) / priced.length).toFixed(2)}`);
      }
    }
  }
  return rows.join('\n');
}

describe('learning to rank', () => {
  let runtime: Runtime;
  let app: ReturnType<Runtime['createApp']>;
  let firstVersion: string;

  beforeAll(async () => {
    runtime = await createTestRuntime({ MODELS_DIR: temporaryDirectory('models-'), EMBEDDER: 'hashing' });
    app = runtime.createApp();
    await request(app).post('/v1/products').send(FIXTURE_PRODUCTS).expect(200);
  });
  afterAll(() => runtime.close());

  it('trains on judgment lists, is promoted, and reranks searches with explained features', async () => {
    const lists = await listsFromJudgments(
      (q) => runtime.search.candidates(q),
      parseJudgmentsCsv(priceJudgments()),
    );
    expect(lists.length).toBeGreaterThan(20);
    expect(lists[0]!.features.length).toBe(lists[0]!.count * FEATURE_COUNT);
    const outcome = await trainAndGate(
      { source: 'judgments', ...splitLists(lists, 0.3) },
      { registry: runtime.rankers, promote: 'auto', training: { epochs: 40, patience: 40 } },
    );
    expect(outcome.metadata.tensorflow.backend).toBe('wasm');
    expect(outcome.metadata.metrics.ndcg10).toBeGreaterThan(outcome.metadata.metrics.ndcg10_fused);
    expect(outcome.promoted).toBe(true);
    firstVersion = outcome.metadata.version;
    runtime.reranker.load();

    const res = await request(app)
      .get('/v1/search')
      .query({ q: 'garden power tools drill', explain: 'true' })
      .expect(200);
    expect(res.body.ranking).toMatchObject({ model: firstVersion, reranked: true });
    const prices = res.body.hits
      .slice(0, 4)
      .map((h: { product: { price?: number } }) => h.product.price ?? 0);
    expect(prices[0]).toBeLessThanOrEqual(Math.max(...prices));
    const explained = res.body.hits[0].explain.ranking;
    expect(Object.keys(explained.features)).toHaveLength(FEATURE_COUNT);
    expect(Object.keys(explained.contributions)).toContain('price_log');
    expect(explained.score).toBe(res.body.hits[0].score);
    expect(res.body.took.stages.rerank).toBeGreaterThanOrEqual(0);
    expect(res.body.took.stages.features).toBeGreaterThanOrEqual(0);
  });

  it('does not promote a model that evaluates worse than the serving one', async () => {
    const lists = await listsFromJudgments(
      (q) => runtime.search.candidates(q),
      parseJudgmentsCsv(priceJudgments()),
    );
    // Learning rate 0: the network keeps its random start, no better than the serving one.
    const outcome = await trainAndGate(
      { source: 'judgments', ...splitLists(lists, 0.3) },
      { registry: runtime.rankers, promote: 'auto', training: { epochs: 1, learningRate: 0 } },
    );
    expect(outcome.promoted).toBe(false);
    expect(outcome.decision).toMatch(/^not promoted: /);
    expect(outcome.metadata.metrics.ndcg10).toBeLessThan(outcome.metadata.metrics.ndcg10_previous! + 0.005);
    expect(runtime.rankers.state().active).toBe(firstVersion);

    // It can still be served by hand, and rolled back.
    runtime.rankers.promote(outcome.metadata.version);
    await vi.waitFor(() => expect(runtime.reranker.active?.version).toBe(outcome.metadata.version), {
      timeout: 5000,
    });
    expect(runtime.rankers.rollback()).toMatchObject({ active: firstVersion });
    await vi.waitFor(() => expect(runtime.reranker.active?.version).toBe(firstVersion), { timeout: 5000 });
  });

  it('falls back to the fused order, never a 500, when the model cannot load or score', async () => {
    const weights = path.join(runtime.rankers.dir, firstVersion, 'weights.json');
    const good = fs.readFileSync(weights, 'utf8');
    fs.writeFileSync(weights, '{ broken');
    runtime.reranker.load();
    const unavailable = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
    expect(unavailable.body.ranking).toMatchObject({ reranked: false, fallback: 'model_unavailable' });

    // A bias beyond float32 range loads as Infinity: the scores stop being finite.
    const layers = JSON.parse(good);
    layers[0].bias = layers[0].bias.map(() => 1e39);
    fs.writeFileSync(weights, JSON.stringify(layers));
    runtime.reranker.load();
    const failing = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
    expect(failing.body.ranking).toMatchObject({ reranked: false, fallback: 'scoring_failed' });
    expect(failing.body.hits.length).toBeGreaterThan(0);

    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/search_ranking_fallbacks_total\{reason="model_unavailable"\} [1-9]/);
    expect(metrics.text).toMatch(/search_ranking_fallbacks_total\{reason="scoring_failed"\} [1-9]/);
    fs.writeFileSync(weights, good);
    runtime.reranker.load();
  });

  it('reorders no deeper than the logged lists an event-trained model learned from', async () => {
    const metadataFile = path.join(runtime.rankers.dir, firstVersion, 'metadata.json');
    const original = fs.readFileSync(metadataFile, 'utf8');
    const metadata = JSON.parse(original);
    fs.writeFileSync(
      metadataFile,
      JSON.stringify({ ...metadata, training: { ...metadata.training, max_position: 2 } }),
    );
    runtime.reranker.load();
    try {
      const reranked = await request(app).get('/v1/search').query({ q: 'mower drill', size: 20 }).expect(200);
      const fused = await request(app)
        .get('/v1/search')
        .query({ q: 'mower drill', size: 20, rerank: 'false' })
        .expect(200);
      expect(reranked.body.ranking).toMatchObject({ reranked: true, window: 2 });
      const ids = (res: request.Response) => res.body.hits.map((h: { id: string }) => h.id);
      expect(ids(reranked).length).toBeGreaterThan(3);
      expect(new Set(ids(reranked).slice(0, 2))).toEqual(new Set(ids(fused).slice(0, 2)));
      expect(ids(reranked).slice(2)).toEqual(ids(fused).slice(2));
    } finally {
      fs.writeFileSync(metadataFile, original);
      runtime.reranker.load();
    }
  });

  it('keeps shoppers without history on the fused order when the gate says so', async () => {
    const metadataFile = path.join(runtime.rankers.dir, firstVersion, 'metadata.json');
    const original = fs.readFileSync(metadataFile, 'utf8');
    fs.writeFileSync(
      metadataFile,
      JSON.stringify({ ...JSON.parse(original), serve: { shoppers_without_history: false } }),
    );
    runtime.reranker.load();
    try {
      const anonymous = await request(app).get('/v1/search').query({ q: 'mower' }).expect(200);
      expect(anonymous.body.ranking).toMatchObject({ reranked: false, fallback: 'no_history' });
      const newcomer = await request(app).get('/v1/search').query({ q: 'mower', user_id: 'ivy' }).expect(200);
      expect(newcomer.body.ranking).toMatchObject({ reranked: false, fallback: 'no_history' });

      await request(app)
        .post('/v1/events')
        .send([
          {
            event_id: 'ivy-1',
            type: 'purchase',
            user_id: 'ivy',
            product_id: 'mower-1',
            timestamp: new Date().toISOString(),
          },
        ])
        .expect(200);
      const returning = await request(app)
        .get('/v1/search')
        .query({ q: 'mower', user_id: 'ivy' })
        .expect(200);
      expect(returning.body.ranking).toMatchObject({ reranked: true, model: firstVersion });
    } finally {
      fs.writeFileSync(metadataFile, original);
      runtime.reranker.load();
    }
  });

  it('builds position-weighted lists from logged searches and events', async () => {
    // Events follow their search within seconds, as a click does.
    const at = (i: number) => new Date(Date.now() + i).toISOString();
    for (let i = 0; i < 30; i++) {
      const search = await request(app)
        .get('/v1/search')
        .query({ q: 'garden outdoor power', user_id: `u${i % 5}`, rerank: 'false' });
      const hits = search.body.hits as { id: string }[];
      // Shoppers here always click the third result, and buy it every other time.
      const events = [
        {
          event_id: `click-${i}`,
          type: 'click',
          user_id: `u${i % 5}`,
          query_id: search.body.query_id,
          product_id: hits[2]!.id,
          timestamp: at(i),
        },
      ];
      if (i % 2 === 0) events.push({ ...events[0]!, event_id: `buy-${i}`, type: 'purchase' });
      await request(app).post('/v1/events').send(events).expect(200);
    }
    const logged = await listsFromEvents(runtime.eventStore, 0);
    expect(logged.impressions).toBeGreaterThanOrEqual(30);
    const labelled = logged.lists.filter((l) => l.labels.some((x) => x > 0));
    expect(labelled.length).toBeGreaterThanOrEqual(30);
    const third = labelled[0]!;
    expect(third.labels[2]).toBeGreaterThanOrEqual(1);
    expect(third.weights![2]).toBeGreaterThanOrEqual(1);
    expect(logged.propensities[0]).toBe(1);
    expect(logged.window?.from).toMatch(/^20/);
  });
});
