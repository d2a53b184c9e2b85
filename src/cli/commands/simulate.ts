/**
 * `simulate`: drives simulated shopper traffic through the HTTP API and prints a report.
 * Against a running service with `--url`; otherwise it starts the service in-process on
 * an ephemeral port (same configuration as `serve`: DATA_DIR, MODELS_DIR, ...), loads the
 * demo catalog when the store is empty, and stops it afterwards. Shoppers' tastes and
 * queries come from `--catalog` when given, else from the in-process store, else (with
 * `--url` alone) from the demo catalog a fresh `npm start` serves.
 *
 *   npm run simulate -- --shoppers 200 --sessions 4 --evaluate
 *   npm run simulate -- --url http://localhost:8080 --anonymous-share 0.3
 *   npm run simulate -- --clicks noise   (or popularity: logs a training gate must reject)
 *   npm run simulate -- --catalog ../shared/data/homedepot/products.csv \
 *     --rename product_uid=id --enrich-titles --ingest --shoppers 500
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { demoProducts } from '../../catalog/demo-catalog.ts';
import { type Product, validateProduct } from '../../catalog/product.ts';
import { readRecordBatches } from '../../catalog/record-files.ts';
import { type BulkReport, SearchApiClient } from '../../eval/simulator/api-client.ts';
import { type ClickModelParameters, DEFAULT_CLICK_MODEL } from '../../eval/simulator/click-model.ts';
import { evaluatePersonalization } from '../../eval/simulator/personalization-eval.ts';
import { SimulationCatalog } from '../../eval/simulator/simulation-catalog.ts';
import { enrichTitleOnlyProducts } from '../../eval/simulator/title-enrichment.ts';
import { DEFAULT_TRAFFIC, simulateTraffic } from '../../eval/simulator/traffic.ts';
import { loadConfig, SIMULATED_TRAFFIC_ENV } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';
import { createRuntime, loadDemoCatalogIfEmpty, type Runtime } from '../../main/runtime.ts';
import { fieldRenames, integer, positiveInteger, positiveNumber, share } from '../options.ts';
import { printJson } from '../print.ts';

export interface SimulateCommandOptions {
  url?: string;
  shoppers: number;
  sessions: number;
  queries: number;
  seed: number;
  size: number;
  concurrency: number;
  anonymousShare: number;
  spanDays: number;
  eta: number;
  clicks: ClickModelParameters['clicks'];
  catalog?: string;
  rename: Map<string, string>;
  enrichTitles: boolean;
  ingest: boolean;
  evaluate: boolean;
  evalQueries: number;
  progress: boolean;
}

const UPLOAD_BATCH = 5_000;

function serviceUrl(value: string): string {
  if (!/^https?:\/\/[^/]/.test(value))
    throw new InvalidArgumentError(`expected an http:// or https:// URL, got "${value}"`);
  return value;
}

/** The catalog file's products, validated; titles-only records get brand, category and price first. */
async function readCatalogFile(
  options: SimulateCommandOptions,
): Promise<{ products: Product[]; invalid: number }> {
  const file = options.catalog!;
  if (!fs.existsSync(file)) throw new ServiceError('usage', `no such file: ${file}`);
  const records: Record<string, unknown>[] = [];
  for await (const batch of readRecordBatches(file, { rename: options.rename, batchSize: 5_000 })) {
    for (const record of batch)
      if (record && typeof record === 'object') records.push(record as Record<string, unknown>);
  }
  const withTitles = options.enrichTitles
    ? (() => {
        const usable = records.filter((r) => r.id !== undefined && typeof r.title === 'string');
        const enriched = enrichTitleOnlyProducts(
          usable.map((r) => ({ id: String(r.id), title: String(r.title) })),
        );
        // Fields the file does have win over derived ones.
        return enriched.map((derived, i) => ({ ...derived, ...usable[i] }));
      })()
    : records;
  const products: Product[] = [];
  for (const record of withTitles) {
    const validated = validateProduct(record);
    if (validated.ok) products.push(validated.product);
  }
  return { products, invalid: records.length - products.length };
}

async function uploadCatalog(client: SearchApiClient, products: readonly Product[], bar?: SingleBar) {
  const totals = { received: 0, accepted: 0, rejected: 0 };
  bar?.start(products.length, 0, { phase: 'ingest', rate: '-' });
  for (let i = 0; i < products.length; i += UPLOAD_BATCH) {
    const report: BulkReport = await client.postProducts(products.slice(i, i + UPLOAD_BATCH));
    totals.received += report.received;
    totals.accepted += report.accepted;
    totals.rejected += report.rejected;
    bar?.update(Math.min(products.length, i + UPLOAD_BATCH));
  }
  bar?.stop();
  return totals;
}

async function storedProducts(runtime: Runtime): Promise<Product[]> {
  const products: Product[] = [];
  for await (const batch of runtime.backend.scanProducts(1_000)) products.push(...batch);
  return products;
}

export async function runSimulateCommand(options: SimulateCommandOptions): Promise<void> {
  let runtime: Runtime | undefined;
  let server: ReturnType<ReturnType<Runtime['createApp']>['listen']> | undefined;
  const bar = new SingleBar({
    format: '{phase} [{bar}] {value}/{total} | {rate}/s | {eta_formatted} left',
    hideCursor: true,
  });
  try {
    let baseUrl = options.url;
    if (!baseUrl) {
      // The in-process service takes simulated (past) event times and one client at full speed.
      runtime = await createRuntime(loadConfig({ ...process.env, ...SIMULATED_TRAFFIC_ENV }));
      if (!options.catalog) await loadDemoCatalogIfEmpty(runtime);
      const app = runtime.createApp();
      server = await new Promise<NonNullable<typeof server>>((resolve, reject) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
        listening.once('error', reject);
      });
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    const client = new SearchApiClient(baseUrl, process.env.ADMIN_API_KEY);
    const output: Record<string, unknown> = { service: options.url ?? `in-process (${baseUrl})` };

    let products: Product[];
    if (options.catalog) {
      const read = await readCatalogFile(options);
      products = read.products;
      output.catalog = { source: options.catalog, products: products.length, invalid: read.invalid };
      if (options.ingest) {
        output.ingest = await uploadCatalog(client, products, options.progress ? bar : undefined);
        // In-process, bring the vector cells up to date as `ingest` does; a remote service does it itself.
        if (runtime) await runtime.backend.optimize();
      }
    } else if (runtime) {
      products = await storedProducts(runtime);
      output.catalog = { source: 'the service store', products: products.length };
    } else {
      products = demoProducts();
      output.catalog = {
        source: 'the demo catalog (assumed to be what the service holds)',
        products: products.length,
      };
    }
    const catalog = new SimulationCatalog(products);

    const progress = (phase: string) => {
      let started: number | undefined;
      return (done: number, total: number) => {
        if (!options.progress) return;
        if (started === undefined) {
          started = performance.now();
          bar.start(total, 0, { phase, rate: '-' });
        }
        bar.update(done, { phase, rate: Math.round(done / ((performance.now() - started) / 1000 || 1)) });
        if (done === total) bar.stop();
      };
    };
    const traffic = await simulateTraffic({
      ...DEFAULT_TRAFFIC,
      baseUrl,
      catalog,
      shoppers: options.shoppers,
      sessionsPerShopper: options.sessions,
      queriesPerSession: options.queries,
      seed: options.seed,
      size: options.size,
      concurrency: options.concurrency,
      anonymousShare: options.anonymousShare,
      spanDays: options.spanDays,
      clickModel: { ...DEFAULT_CLICK_MODEL, eta: options.eta, clicks: options.clicks },
      onSearch: progress('simulate'),
    });
    output.click_model = options.clicks;
    output.traffic = traffic.report;
    if (options.evaluate) {
      output.personalization = await evaluatePersonalization({
        search: client.search,
        catalog,
        shoppers: traffic.signedIn,
        queriesPerShopper: options.evalQueries,
        seed: options.seed,
        size: options.size,
        concurrency: options.concurrency,
        onQuery: progress('evaluate'),
      });
    }
    printJson(output);
  } finally {
    bar.stop();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await runtime?.close();
  }
}

export function registerSimulateCommand(program: Command): Command {
  return program
    .command('simulate')
    .description('drive simulated shopper traffic (searches, clicks, carts, purchases) through the HTTP API')
    .option('--url <url>', 'a running service; default: start one in-process on a free port', serviceUrl)
    .option('--shoppers <n>', 'simulated shoppers', positiveInteger, DEFAULT_TRAFFIC.shoppers)
    .option('--sessions <n>', 'sessions per shopper', positiveInteger, DEFAULT_TRAFFIC.sessionsPerShopper)
    .option('--queries <n>', 'queries per session', positiveInteger, DEFAULT_TRAFFIC.queriesPerSession)
    .option('--seed <n>', 'random seed (same seed, same shoppers and choices)', integer, DEFAULT_TRAFFIC.seed)
    .option('--size <n>', 'results per search', positiveInteger, DEFAULT_TRAFFIC.size)
    .option('--concurrency <n>', 'shoppers simulated at once', positiveInteger, DEFAULT_TRAFFIC.concurrency)
    .option('--anonymous-share <share>', 'share of shoppers searching without a user id (0-1)', share, 0)
    .option(
      '--span-days <n>',
      'simulated days the sessions spread over',
      positiveNumber,
      DEFAULT_TRAFFIC.spanDays,
    )
    .option(
      '--eta <x>',
      'examination decay: P(examined at rank r) = 1/r^eta',
      positiveNumber,
      DEFAULT_CLICK_MODEL.eta,
    )
    .addOption(
      new Option(
        '--clicks <model>',
        'what clicks follow: relevance and taste, pure noise, or a hidden popularity whatever the query',
      )
        .choices(['relevance', 'noise', 'popularity'])
        .default(DEFAULT_CLICK_MODEL.clicks),
    )
    .option('--catalog <file>', 'products (CSV, JSON, NDJSON) to draw shoppers and queries from')
    .option('--rename <pairs>', 'rename catalog fields, e.g. product_uid=id', fieldRenames, new Map())
    .option('--enrich-titles', 'derive brand, category and price from titles (title-only catalogs)', false)
    .option('--ingest', 'upload the catalog to the service before simulating', false)
    .option('--evaluate', "afterwards, NDCG@10 against the shoppers' preferences, personalized vs not", false)
    .option('--eval-queries <n>', 'evaluation queries per shopper', positiveInteger, 5)
    .option('--no-progress', 'no progress bar')
    .action(runSimulateCommand);
}
