/**
 * `npm run bench:scale` (issue 15): the embedded engine at 250,000 and 1,000,000 products.
 * Catalogs are made by recombining the Home Depot titles (a title with the tail of another)
 * with generated brands, category paths and prices, so the vocabulary and the vectors are
 * real-shaped. For each size: ingest rate (with embeddings), index build time, RSS, size on
 * disk, search latency in-process (1 client, and 16 concurrent clients on the one event
 * loop) on dev queries, and kNN recall@100 of the serving vector index against an exact
 * scan on a sample of queries.
 *
 *   npm run bench:scale -- [--sizes 250000,1000000] [--queries 300] [--recall-queries 50]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { EmbeddedBackend } from '../src/backends/embedded/embedded-backend.ts';
import { loadConfig } from '../src/main/config.ts';
import { createLogger } from '../src/main/logger.ts';
import { createRuntime, type Runtime } from '../src/main/runtime.ts';
import {
  fmt,
  latencySummary,
  loadDevJudgments,
  machineDescription,
  PRODUCTS_CSV,
  searchRequest,
  writeResult,
} from './homedepot.ts';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '250000,1000000' },
    queries: { type: 'string', default: '300' },
    'recall-queries': { type: 'string', default: '50' },
    batch: { type: 'string', default: '2000' },
  },
});
const sizes = args.sizes.split(',').map(Number);
const queryCount = Number(args.queries);
const recallQueries = Number(args['recall-queries']);
const batchSize = Number(args.batch);
if (![...sizes, queryCount, recallQueries, batchSize].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('--sizes, --queries, --recall-queries and --batch take positive whole numbers');

const CACHE = path.resolve('bench/out/scale-cache');
const MODELS = path.join(CACHE, 'models');
const titles = (parse(fs.readFileSync(PRODUCTS_CSV), { columns: true }) as { title: string }[]).map(
  (r) => r.title,
);

/** A deterministic pseudo-random stream (mulberry32), so a size always makes the same catalog. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  'ka',
  'ro',
  'mi',
  'tek',
  'vo',
  'lux',
  'pro',
  'dur',
  'ax',
  'zen',
  'tor',
  'quo',
  'fle',
  'nix',
  'bel',
];
const DEPARTMENTS = [
  'Tools',
  'Outdoors',
  'Plumbing',
  'Electrical',
  'Flooring',
  'Kitchen',
  'Bath',
  'Lighting',
  'Paint',
  'Hardware',
  'Storage',
  'Appliances',
];

function* generatedCatalog(size: number): Generator<Record<string, unknown>[]> {
  const rand = random(size);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const brands = Array.from({ length: 3_000 }, () => {
    const name = Array.from({ length: 2 + Math.floor(rand() * 2) }, () => pick(SYLLABLES)).join('');
    return name[0]!.toUpperCase() + name.slice(1);
  });
  const categories = Array.from({ length: 600 }, (_, i) => [
    DEPARTMENTS[i % DEPARTMENTS.length]!,
    `${pick(titles).split(' ').slice(-1)[0]} ${i % 7 === 0 ? 'Accessories' : 'Supplies'}`,
    `Line ${i}`,
  ]);
  let batch: Record<string, unknown>[] = [];
  for (let i = 0; i < size; i++) {
    const head = titles[i % titles.length]!;
    // Past the first pass over the titles, each title gets the tail of another one.
    const tail = i < titles.length ? '' : ` ${pick(titles).split(' ').slice(-3).join(' ')}`;
    batch.push({
      id: `scale-${i}`,
      title: `${head}${tail}`,
      brand: pick(brands),
      category: pick(categories),
      price: Math.round((2 + rand() * rand() * 900) * 100) / 100,
    });
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  return total;
}

/** Each stage's times (the pipeline's own `took.stages`), collected by `latencies`. */
type StageTimes = Record<string, number[]>;

async function latencies(
  runtime: Runtime,
  queries: readonly string[],
  clients: number,
  stages: StageTimes = {},
): Promise<number[]> {
  const samples: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < queries.length) {
        const q = queries[next++]!;
        const started = performance.now();
        const response = await runtime.search.search(searchRequest(q, 20));
        samples.push(performance.now() - started);
        for (const [stage, ms] of Object.entries(response.took.stages)) {
          stages[stage] ??= [];
          stages[stage].push(ms);
        }
      }
    }),
  );
  return samples;
}

function stageSummary(stages: StageTimes) {
  return Object.fromEntries(
    Object.entries(stages).map(([stage, times]) => {
      const { p50, p99 } = latencySummary(times);
      return [stage, { p50, p99 }];
    }),
  );
}

async function recall(runtime: Runtime, dataDir: string, queries: readonly string[]): Promise<number> {
  // The same store read without its graph, every vector scored: an exact scan.
  const exact = new EmbeddedBackend({
    dataDir,
    embedder: runtime.embedder.current,
    vectorIndex: { kind: 'ivf', probes: 1_000_000 },
  });
  await exact.open();
  let found = 0;
  let total = 0;
  try {
    const vectors = await runtime.embedder.current.embed(queries, 'query');
    for (const vector of vectors) {
      const query = { vector, filters: {}, limit: 100 };
      const truth = new Set((await exact.vectorSearch(query)).map((h) => h.id));
      const served = await runtime.backend.vectorSearch(query);
      found += served.filter((h) => truth.has(h.id)).length;
      total += truth.size;
    }
  } finally {
    await exact.close();
  }
  return total ? found / total : 0;
}

const devQueries = [...loadDevJudgments().keys()];
const results: unknown[] = [];
for (const size of sizes) {
  const dataDir = path.join(CACHE, `data-${size}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({
    DATA_DIR: dataDir,
    MODELS_DIR: MODELS,
    DEMO_CATALOG: 'off',
    LOG_LEVEL: 'warn',
    JOBS_SCHEDULER: 'off',
  });
  const runtime = await createRuntime(config, { logger: createLogger('warn') });
  try {
    console.log(`${size}: ingesting ...`);
    const started = performance.now();
    let ingested = 0;
    for (const batch of generatedCatalog(size)) {
      const report = await runtime.catalog.ingest(batch, ingested);
      if (report.rejected > 0) throw new Error(`rejected: ${JSON.stringify(report.errors.slice(0, 2))}`);
      ingested += batch.length;
      if (ingested % 50_000 === 0)
        console.log(`  ${ingested} (${fmt(ingested / ((performance.now() - started) / 1000), 0)}/s)`);
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    const built = performance.now();
    await runtime.backend.optimize();
    const indexBuildSeconds = (performance.now() - built) / 1000;
    const queries = devQueries.slice(0, queryCount);
    await latencies(runtime, queries.slice(0, 30), 1); // warm-up
    const stages: StageTimes = {};
    const one = latencySummary(await latencies(runtime, queries, 1, stages));
    const sixteen = latencySummary(await latencies(runtime, queries, 16));
    const knnRecall = await recall(runtime, dataDir, devQueries.slice(1_000, 1_000 + recallQueries));
    const result = {
      products: size,
      ingestSeconds,
      productsPerSecond: size / ingestSeconds,
      indexBuildSeconds,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      diskMiB: directoryBytes(dataDir) / 2 ** 20,
      latencyMs: { oneClient: one, sixteenClients: sixteen },
      /** One client: each stage's p50 and p99 (ms), where the time goes. */
      stagesMs: stageSummary(stages),
      knnRecallAt100: knnRecall,
      loadAverage: os.loadavg()[0],
    };
    console.log(JSON.stringify(result));
    results.push(result);
  } finally {
    await runtime.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
const report = {
  date: new Date().toISOString(),
  machine: machineDescription(),
  uptime: `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
  command: `npm run bench:scale -- --sizes ${sizes.join(',')} --queries ${queryCount} --recall-queries ${recallQueries}`,
  results,
};
console.log(`\nwritten to ${writeResult('scale', report)}`);
