/**
 * `npm run bench:load` (issue 15): HTTP throughput of the compiled service on the Home
 * Depot catalog (54,667 products) with real dev queries, 20 hits with facets, measured by
 * autocannon from this machine, for 1 and 2 serving workers (WORKERS) in one run:
 *   - 16 search clients for --duration seconds (target >= 300 searches/s, p99 <= 50 ms, 0 errors);
 *   - one client (target p99 <= 25 ms);
 *   - 16 search clients with 8 event-ingest clients alongside (target search p99 <= 80 ms).
 * The store is built once into bench/out/load-cache (reused; --rebuild to build anew), with
 * the default encoder trained on the demo catalog as a fresh install does.
 *
 *   npm run bench:load -- [--duration 60] [--clients 16] [--event-clients 8] [--workers 1,2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../src/main/config.ts';
import { createLogger } from '../src/main/logger.ts';
import { createRuntime } from '../src/main/runtime.ts';
import { fmt, ingestHomeDepot, loadDevJudgments, machineDescription, writeResult } from './homedepot.ts';
import { startBenchService } from './serving/service-child.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    'single-duration': { type: 'string', default: '20' },
    clients: { type: 'string', default: '16' },
    'event-clients': { type: 'string', default: '8' },
    workers: { type: 'string', default: '1,2' },
    rebuild: { type: 'boolean', default: false },
  },
});
const duration = Number(args.duration);
const singleDuration = Number(args['single-duration']);
const clients = Number(args.clients);
const eventClients = Number(args['event-clients']);
const workerCounts = args.workers.split(',').map(Number);
if (
  ![duration, singleDuration, clients, eventClients, ...workerCounts].every(
    (n) => Number.isInteger(n) && n > 0,
  )
)
  throw new Error(
    '--duration, --single-duration, --clients, --event-clients and --workers take positive whole numbers',
  );

const CACHE = path.resolve('bench/out/load-cache');
const DATA = path.join(CACHE, 'data');
const MODELS = path.join(CACHE, 'models');
const READY = path.join(CACHE, 'ready.json');

/** The Home Depot store, built once (ingest + index) and reused by later runs. */
async function prepareStore(): Promise<{ products: number; productsPerSecond: number; builtNow: boolean }> {
  if (!args.rebuild && fs.existsSync(READY))
    return { ...JSON.parse(fs.readFileSync(READY, 'utf8')), builtNow: false };
  fs.rmSync(CACHE, { recursive: true, force: true });
  fs.mkdirSync(DATA, { recursive: true });
  const config = loadConfig({ DATA_DIR: DATA, MODELS_DIR: MODELS, DEMO_CATALOG: 'off', LOG_LEVEL: 'warn' });
  const runtime = await createRuntime(config, { logger: createLogger('warn') });
  console.log('building the Home Depot store once into bench/out/load-cache ...');
  const ingest = await ingestHomeDepot(runtime);
  await runtime.close();
  const ready = { products: ingest.products, productsPerSecond: ingest.productsPerSecond };
  fs.writeFileSync(READY, `${JSON.stringify(ready)}\n`);
  return { ...ready, builtNow: true };
}

const queries = [...loadDevJudgments().keys()];
const productIds = (() => {
  const ids: string[] = [];
  for (const grades of loadDevJudgments(2_000).values()) ids.push(...grades.keys());
  return ids;
})();

function searchPath(i: number): string {
  const q = queries[i % queries.length]!;
  return `/v1/search?q=${encodeURIComponent(q)}&size=20&facets=brand,category,price`;
}

interface Measured {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
}

function summary(result: autocannon.Result): Measured {
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}

function searchLoad(url: string, connections: number, seconds: number, offset: number) {
  let next = offset;
  return autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [{ setupRequest: (req) => ({ ...req, path: searchPath(next++) }) }],
  });
}

function eventLoad(url: string, connections: number, seconds: number) {
  let n = 0;
  return autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const at = new Date().toISOString();
          const events = Array.from({ length: 10 }, (_, k) => {
            const i = n++;
            return {
              event_id: `bench-load-${process.pid}-${i}`,
              type: k % 5 === 0 ? 'add_to_cart' : 'click',
              session_id: `bench-session-${i % 500}`,
              product_id: productIds[i % productIds.length],
              position: 1 + (i % 20),
              timestamp: at,
            };
          });
          return {
            ...req,
            path: '/v1/events',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(events),
          };
        },
      },
    ],
  });
}

const store = await prepareStore();
console.log(
  `store: ${store.products} products${store.builtNow ? ` (built now, ${fmt(store.productsPerSecond, 0)}/s)` : ' (cached)'}`,
);
const results: Record<string, unknown> = {};
for (const workers of workerCounts) {
  const service = await startBenchService({ dataDir: DATA, modelsDir: MODELS, workers, scratchDir: CACHE });
  try {
    // Warm-up: the page cache, the statement caches, the JIT.
    await searchLoad(service.url, clients, 5, 50_000);
    const loadAvg = os.loadavg()[0]!;
    const concurrent = summary(await searchLoad(service.url, clients, duration, 0));
    console.log(`workers=${workers} ${clients} clients: ${JSON.stringify(concurrent)}`);
    const single = summary(await searchLoad(service.url, 1, singleDuration, 10_000));
    console.log(`workers=${workers} 1 client: ${JSON.stringify(single)}`);
    const [searchesWithEvents, events] = await Promise.all([
      searchLoad(service.url, clients, duration, 20_000),
      eventLoad(service.url, eventClients, duration),
    ]);
    const withEvents = { searches: summary(searchesWithEvents), events: summary(events) };
    console.log(
      `workers=${workers} ${clients} clients + ${eventClients} event clients: ${JSON.stringify(withEvents)}`,
    );
    results[`workers_${workers}`] = { loadAverage1m: loadAvg, concurrent, single, withEvents };
  } finally {
    await service.stop();
  }
}

const report = {
  date: new Date().toISOString(),
  machine: machineDescription(),
  uptime: `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
  command: `npm run bench:load -- --duration ${duration} --clients ${clients} --event-clients ${eventClients} --workers ${workerCounts.join(',')}`,
  store,
  results,
};
console.log(`\nwritten to ${writeResult('load', report)}`);
const row = (name: string, m: Measured) =>
  `| ${name} | ${fmt(m.requestsPerSecond, 0)} | ${m.p50} | ${m.p99} | ${m.errors + m.non2xx} |`;
console.log('\n| run | req/s | p50 ms | p99 ms | errors + non-2xx |\n|---|---|---|---|---|');
for (const [name, r] of Object.entries(results) as Array<
  [string, { concurrent: Measured; single: Measured; withEvents: { searches: Measured; events: Measured } }]
>) {
  console.log(row(`${name}, ${clients} clients`, r.concurrent));
  console.log(row(`${name}, 1 client`, r.single));
  console.log(row(`${name}, ${clients} clients + events (searches)`, r.withEvents.searches));
  console.log(row(`${name}, ${eventClients} event clients (10 events a request)`, r.withEvents.events));
}
