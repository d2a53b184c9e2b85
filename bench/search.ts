/**
 * npm run bench:search: indexes the 54,667 Home Depot products and reports, in one run,
 * ingest throughput (embeddings included), search latency in-process and over HTTP, and
 * NDCG@10 / Recall@100 of bm25-only, vector-only and hybrid rankings on the dev judgments.
 *   npm run bench:search -- --queries 500     (a quick subset)
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import {
  benchRuntime,
  evaluateRetrieval,
  fmt,
  homeDepotEncoder,
  ingestHomeDepot,
  latencySummary,
  loadDevJudgments,
  machineDescription,
  searchRequest,
  writeResult,
} from './homedepot.ts';

const { values: args } = parseArgs({
  options: {
    queries: { type: 'string' },
    'skip-http': { type: 'boolean', default: false },
    retrain: { type: 'boolean', default: false },
  },
});

const { encoder } = await homeDepotEncoder(Boolean(args.retrain));
const runtime = await benchRuntime({ embedder: encoder });
const judgments = loadDevJudgments(args.queries ? Number(args.queries) : undefined);
const queries = [...judgments.keys()];
console.error(`machine: ${machineDescription()}; embedder ${runtime.embedder.current.id}`);

const ingest = await ingestHomeDepot(runtime);
console.error(`ingested ${ingest.products} products: ${fmt(ingest.productsPerSecond, 0)}/s`);

const quality = await evaluateRetrieval(runtime, judgments);

// Latency in-process: the whole search path (20 hits with facets), per stage too.
const inProcess: number[] = [];
const stages = new Map<string, number[]>();
for (const q of queries) {
  const started = performance.now();
  const response = await runtime.search.search(searchRequest(q, 20));
  inProcess.push(performance.now() - started);
  for (const [stage, ms] of Object.entries(response.took.stages)) {
    stages.set(stage, [...(stages.get(stage) ?? []), ms]);
  }
}

// Latency over HTTP: the real express app on a local port, one request at a time.
const http: number[] = [];
if (!args['skip-http']) {
  const server = runtime.createApp().listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const q of queries) {
    const started = performance.now();
    const res = await fetch(`${base}/v1/search?q=${encodeURIComponent(q)}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${q}`);
    http.push(performance.now() - started);
  }
  server.close();
}

const result = {
  date: new Date().toISOString(),
  machine: machineDescription(),
  embedder: runtime.embedder.current.id,
  ingest,
  quality,
  latency_ms: {
    in_process: latencySummary(inProcess),
    http: http.length ? latencySummary(http) : undefined,
    stages_in_process: Object.fromEntries([...stages].map(([s, v]) => [s, latencySummary(v)])),
  },
  queries: queries.length,
};
const file = writeResult('search', result);

const l = result.latency_ms;
console.log(`\n### bench:search (${result.date.slice(0, 10)}, ${result.machine})\n`);
console.log(`Embedder \`${result.embedder}\`, ${ingest.products} products, ${queries.length} dev queries.\n`);
console.log('| ranking | NDCG@10 | Recall@100 |\n|---|---|---|');
for (const [name, q] of Object.entries(quality))
  console.log(`| ${name} | ${fmt(q.ndcg10)} | ${fmt(q.recall100)} |`);
console.log('\n| measure | value |\n|---|---|');
console.log(
  `| ingest (embeddings included) | ${fmt(ingest.productsPerSecond, 0)} products/s (${fmt(ingest.ingestSeconds, 1)} s + ${fmt(ingest.optimizeSeconds, 1)} s vector-cell build) |`,
);
console.log(
  `| search in-process p50 / p95 / p99 | ${fmt(l.in_process.p50, 2)} / ${fmt(l.in_process.p95, 2)} / ${fmt(l.in_process.p99, 2)} ms |`,
);
if (l.http)
  console.log(
    `| search over HTTP p50 / p95 / p99 | ${fmt(l.http.p50, 2)} / ${fmt(l.http.p95, 2)} / ${fmt(l.http.p99, 2)} ms |`,
  );
for (const [stage, s] of Object.entries(l.stages_in_process)) {
  console.log(`| stage ${stage} p50 / p99 | ${fmt(s.p50, 2)} / ${fmt(s.p99, 2)} ms |`);
}
console.error(`\nfull result: ${file}`);
await runtime.close();
