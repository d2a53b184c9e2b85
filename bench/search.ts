/**
 * npm run bench:search: the Home Depot catalog (54,667 products) and dev judgments, NDCG@10
 * and Recall@100 of plain BM25, the served keyword leg, the vector leg alone and the default
 * hybrid, in three set-ups, each in a fresh data and models directory:
 *   (a) installed: the demo catalog first (its encoder trained at first start), then the
 *       Home Depot products ingested; the service replaces the demo, adapts the encoder by
 *       itself (the reindex job its catalog trigger starts) and switches generations;
 *   (b) hashing: the untrained hashing embedder;
 *   (c) before adaptation: the demo-trained encoder serving the Home Depot catalog.
 * Plus, for (a): adaptation and index-build time, query-embedding latency, and search
 * latency in-process and over HTTP.
 *   (speed): retrieval speed (issue 15) with the Home Depot-trained encoder of bench/out/models
 *       (trained first when absent): ingest rate, vector-index build, the quality numbers,
 *       single-client full-pipeline p50/p99 by stage, suggest p99, and the vector indexes
 *       compared in this one run (exact scan, the previous IVF, the HNSW graph): recall@100
 *       against exact, kNN p50/p99, build time (bench/ann-comparison.ts).
 *   npm run bench:search -- --queries 500 --setups a     (a quick subset)
 *   npm run bench:search -- --queries 2000 --setups speed --ann-queries 500
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/main/config.ts';
import { createLogger } from '../src/main/logger.ts';
import { createRuntime, loadDemoCatalogIfEmpty, type Runtime } from '../src/main/runtime.ts';
import { compareVectorIndexes } from './ann-comparison.ts';
import {
  evaluateRetrieval,
  fmt,
  homeDepotEncoder,
  ingestHomeDepot,
  latencySummary,
  loadDevJudgments,
  machineDescription,
  type RetrievalQuality,
  searchRequest,
  writeResult,
} from './homedepot.ts';

const { values: args } = parseArgs({
  options: {
    queries: { type: 'string' },
    setups: { type: 'string', default: 'a,b,c' },
    'skip-http': { type: 'boolean', default: false },
    'ann-queries': { type: 'string', default: '500' },
  },
});
const setups = new Set(args.setups!.split(','));
const judgments = loadDevJudgments(args.queries ? Number(args.queries) : undefined);
const queries = [...judgments.keys()];
const machine = machineDescription();
console.error(`machine: ${machine}; ${queries.length} dev queries; set-ups ${[...setups].join(', ')}`);

function freshDirectory(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function runtimeFor(env: Record<string, string>): Promise<Runtime> {
  const config = loadConfig({ LOG_LEVEL: 'info', DEMO_CATALOG: 'off', ...env });
  return createRuntime(config, { logger: createLogger('warn') });
}

interface SetupResult {
  embedder: string;
  quality: RetrievalQuality;
  [measure: string]: unknown;
}

const results: Record<string, SetupResult> = {};
const modelsA = freshDirectory('bench-models-');

if (setups.has('a')) {
  // (a) As installed: the first start trains the demo encoder and loads the demo catalog.
  const started = performance.now();
  const runtime = await runtimeFor({
    DATA_DIR: freshDirectory('bench-a-'),
    MODELS_DIR: modelsA,
    DEMO_CATALOG: 'auto',
  });
  const firstStartSeconds = (performance.now() - started) / 1000;
  await loadDemoCatalogIfEmpty(runtime);
  const demoEncoder = runtime.embedder.current.id;
  const ingest = await ingestHomeDepot(runtime);
  console.error(
    `(a) ingested ${ingest.products} products (${fmt(ingest.productsPerSecond, 0)}/s); waiting for the adaptation`,
  );
  {
    let run = (await runtime.jobs.store.runs({ job: 'reindex', limit: 1 }))[0];
    while (runtime.embedder.current.id === demoEncoder || run?.status === 'running' || !run) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      run = (await runtime.jobs.store.runs({ job: 'reindex', limit: 1 }))[0];
      if (run && run.status !== 'running' && run.status !== 'succeeded')
        throw new Error(`adaptation ${run.status}: ${run.error}`);
    }
    await runtime.calibration.refresh();
    const quality = await evaluateRetrieval(runtime, judgments);
    console.error(`(a) ${JSON.stringify(quality)}`);
    const stages = new Map<string, number[]>();
    const inProcess: number[] = [];
    for (const q of queries) {
      const t0 = performance.now();
      const response = await runtime.search.search(searchRequest(q, 20));
      inProcess.push(performance.now() - t0);
      for (const [stage, ms] of Object.entries(response.took.stages))
        stages.set(stage, [...(stages.get(stage) ?? []), ms]);
    }
    const http: number[] = [];
    if (!args['skip-http']) {
      const server = runtime.createApp().listen(0);
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const q of queries) {
        const t0 = performance.now();
        const res = await fetch(`${base}/v1/search?q=${encodeURIComponent(q)}`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${q}`);
        http.push(performance.now() - t0);
      }
      server.close();
    }
    results.a = {
      embedder: runtime.embedder.current.id,
      quality,
      first_start_seconds: firstStartSeconds,
      ingest,
      adaptation: { seconds: run!.durationSeconds, summary: run!.summary, counts: run!.counts },
      latency_ms: {
        in_process: latencySummary(inProcess),
        ...(http.length > 0 && { http: latencySummary(http) }),
        stages: Object.fromEntries([...stages].map(([stage, samples]) => [stage, latencySummary(samples)])),
      },
    };
  }
  await runtime.close();
}

if (setups.has('c')) {
  // (c) The demo-trained encoder of a first start serving the Home Depot catalog (no demo
  // catalog in this store, so nothing triggers an adaptation).
  const runtime = await runtimeFor({ DATA_DIR: freshDirectory('bench-c-'), MODELS_DIR: modelsA });
  const ingest = await ingestHomeDepot(runtime);
  await runtime.calibration.refresh();
  results.c = {
    embedder: runtime.embedder.current.id,
    quality: await evaluateRetrieval(runtime, judgments),
    ingest,
  };
  console.error(`(c) ${JSON.stringify(results.c.quality)}`);
  await runtime.close();
}

if (setups.has('b')) {
  const runtime = await runtimeFor({
    DATA_DIR: freshDirectory('bench-b-'),
    MODELS_DIR: freshDirectory('bench-models-'),
    EMBEDDER: 'hashing',
  });
  const ingest = await ingestHomeDepot(runtime);
  await runtime.calibration.refresh();
  results.b = {
    embedder: runtime.embedder.current.id,
    quality: await evaluateRetrieval(runtime, judgments),
    ingest,
  };
  console.error(`(b) ${JSON.stringify(results.b.quality)}`);
  await runtime.close();
}

if (setups.has('speed')) {
  const { encoder } = await homeDepotEncoder(false);
  const config = loadConfig({
    LOG_LEVEL: 'info',
    DEMO_CATALOG: 'off',
    DATA_DIR: freshDirectory('bench-speed-'),
    MODELS_DIR: freshDirectory('bench-models-'),
  });
  const runtime = await createRuntime(config, { logger: createLogger('warn'), embedder: encoder });
  const ingest = await ingestHomeDepot(runtime);
  console.error(`(speed) ingested ${ingest.products} products (${fmt(ingest.productsPerSecond, 0)}/s)`);
  await runtime.calibration.refresh();
  const quality = await evaluateRetrieval(runtime, judgments);
  console.error(`(speed) ${JSON.stringify(quality)}`);
  const stages = new Map<string, number[]>();
  const inProcess: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const response = await runtime.search.search(searchRequest(q, 20));
    inProcess.push(performance.now() - t0);
    for (const [stage, ms] of Object.entries(response.took.stages))
      stages.set(stage, [...(stages.get(stage) ?? []), ms]);
  }
  await runtime.suggestions.regenerate({ days: 30, minShoppers: 1 });
  const suggest: number[] = [];
  for (const q of queries)
    for (let length = 1; length <= Math.min(6, q.length); length++) {
      const t0 = performance.now();
      runtime.suggestions.suggest(q.slice(0, length), 8);
      suggest.push(performance.now() - t0);
    }
  const ann = await compareVectorIndexes(runtime, queries.slice(0, Number(args['ann-queries'])));
  results.speed = {
    embedder: runtime.embedder.current.id,
    quality,
    ingest,
    latency_ms: {
      in_process: latencySummary(inProcess),
      suggest: latencySummary(suggest),
      stages: Object.fromEntries([...stages].map(([stage, samples]) => [stage, latencySummary(samples)])),
    },
    ann,
  };
  await runtime.close();
}

const file = writeResult('search', {
  date: new Date().toISOString(),
  machine,
  queries: queries.length,
  results,
});
console.log(
  `\n### bench:search (${new Date().toISOString().slice(0, 10)}, ${machine}), ${queries.length} dev queries\n`,
);
console.log('| set-up | embedder | plain BM25 | keyword leg | vector leg | hybrid | hybrid - keyword leg |');
console.log('|---|---|---|---|---|---|---|');
const names: Record<string, string> = {
  a: '(a) installed, adapted',
  b: '(b) hashing',
  c: '(c) before adaptation',
  speed: '(speed) Home Depot encoder',
};
for (const [setup, result] of Object.entries(results)) {
  const q = result.quality;
  const cell = (r: { ndcg10: number; recall100: number }) => `${fmt(r.ndcg10)} / ${fmt(r.recall100)}`;
  console.log(
    `| ${names[setup]} | \`${result.embedder}\` | ${cell(q.plain_bm25)} | ${cell(q.bm25)} | ${cell(q.vector)} | ${cell(q.hybrid)} | ${fmt(q.hybrid.ndcg10 - q.bm25.ndcg10)} / ${fmt(q.hybrid.recall100 - q.bm25.recall100)} |`,
  );
}
if (results.a) {
  const a = results.a as SetupResult & {
    latency_ms: {
      in_process: { p50: number; p99: number };
      http?: { p50: number; p99: number };
      stages: Record<string, { p50: number; p99: number }>;
    };
    adaptation: { seconds?: number; summary?: string };
    ingest: { productsPerSecond: number };
  };
  console.log(
    `\n(a) adaptation: ${a.adaptation.seconds} s (${a.adaptation.summary}); ingest ${fmt(a.ingest.productsPerSecond, 0)} products/s`,
  );
  console.log(
    `(a) search in-process p50 / p99: ${fmt(a.latency_ms.in_process.p50, 2)} / ${fmt(a.latency_ms.in_process.p99, 2)} ms`,
  );
  if (a.latency_ms.http)
    console.log(
      `(a) search over HTTP p50 / p99: ${fmt(a.latency_ms.http.p50, 2)} / ${fmt(a.latency_ms.http.p99, 2)} ms`,
    );
  for (const [stage, s] of Object.entries(a.latency_ms.stages))
    console.log(`(a) stage ${stage} p50 / p99: ${fmt(s.p50, 2)} / ${fmt(s.p99, 2)} ms`);
}
if (results.speed) {
  const speed = results.speed as SetupResult & {
    latency_ms: {
      in_process: { p50: number; p99: number };
      suggest: { p50: number; p99: number };
      stages: Record<string, { p50: number; p99: number }>;
    };
    ingest: { productsPerSecond: number; optimizeSeconds: number };
    ann: Record<
      string,
      { build_seconds: number; recall100: number; knn_ms: { p50: number; p99: number } }
    > & {
      vectors: number;
      queries: number;
    };
  };
  console.log(
    `\n(speed) ingest ${fmt(speed.ingest.productsPerSecond, 0)} products/s with embeddings; index build ${fmt(speed.ingest.optimizeSeconds, 1)} s`,
  );
  console.log(
    `(speed) search in-process p50 / p99: ${fmt(speed.latency_ms.in_process.p50, 2)} / ${fmt(speed.latency_ms.in_process.p99, 2)} ms; suggest p50 / p99 ${fmt(speed.latency_ms.suggest.p50, 3)} / ${fmt(speed.latency_ms.suggest.p99, 3)} ms`,
  );
  for (const [stage, s] of Object.entries(speed.latency_ms.stages))
    console.log(`(speed) stage ${stage} p50 / p99: ${fmt(s.p50, 2)} / ${fmt(s.p99, 2)} ms`);
  console.log(
    `\n| index (${speed.ann.vectors} vectors, ${speed.ann.queries} queries) | recall@100 vs exact | kNN p50 | kNN p99 | build |`,
  );
  console.log('|---|---|---|---|---|');
  for (const kind of ['exact', 'ivf', 'hnsw'])
    console.log(
      `| ${kind} | ${fmt(speed.ann[kind]!.recall100)} | ${fmt(speed.ann[kind]!.knn_ms.p50, 2)} ms | ${fmt(speed.ann[kind]!.knn_ms.p99, 2)} ms | ${fmt(speed.ann[kind]!.build_seconds, 1)} s |`,
    );
}
console.error(`\nfull result: ${file}`);
