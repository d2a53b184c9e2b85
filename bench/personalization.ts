/**
 * The personalization half of bench:ranking: simulated shoppers over the 54,667 Home Depot
 * products (titles only, so brand, category and price are derived from the titles as
 * `simulate --enrich-titles` does), served by the real HTTP API. Their clicks and purchases
 * train a ranker (events source, inverse-propensity weighted, gated like `cli train`), and
 * the same shoppers then search again: NDCG@10 against each shopper's own hidden
 * preferences, with their user id vs anonymously (the unpersonalized ranking) vs as a new
 * shopper with the same taste and no history.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Product } from '../src/catalog/product.ts';
import type { Embedder } from '../src/embeddings/embedder.ts';
import { SearchApiClient } from '../src/eval/simulator/api-client.ts';
import {
  evaluatePersonalization,
  type PersonalizationReport,
} from '../src/eval/simulator/personalization-eval.ts';
import { SimulationCatalog } from '../src/eval/simulator/simulation-catalog.ts';
import { enrichTitleOnlyProducts } from '../src/eval/simulator/title-enrichment.ts';
import { DEFAULT_TRAFFIC, simulateTraffic, type TrafficReport } from '../src/eval/simulator/traffic.ts';
import { type RankerTrainingOutcome, trainRankerFrom } from '../src/ranking/training/ranker-training.ts';
import type { RankerTrainingOptions } from '../src/ranking/training/train-ranker.ts';
import { benchRuntime, PRODUCTS_CSV } from './homedepot.ts';

export interface PersonalizationBenchOptions {
  embedder: Embedder;
  shoppers: number;
  sessionsPerShopper: number;
  queriesPerSession: number;
  evalQueriesPerShopper: number;
  seed: number;
  training: Partial<RankerTrainingOptions>;
  log: (line: string) => void;
  /** Extra configuration of the service under test (e.g. another MAPPINGS_DIR). */
  env?: Record<string, string>;
}

export interface PersonalizationBenchResult {
  products: number;
  traffic: TrafficReport;
  trafficSeconds: number;
  lists: { train: number; heldOut: number };
  propensities: number[];
  outcome: RankerTrainingOutcome;
  evaluation: PersonalizationReport;
}

export async function benchPersonalization(
  options: PersonalizationBenchOptions,
): Promise<PersonalizationBenchResult> {
  const rows = parse(fs.readFileSync(PRODUCTS_CSV), { columns: true }) as {
    product_uid: string;
    title: string;
  }[];
  const enriched = enrichTitleOnlyProducts(rows.map((r) => ({ id: r.product_uid, title: r.title })));
  const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-personalization-'));
  const runtime = await benchRuntime(
    { embedder: options.embedder },
    { MODELS_DIR: modelsDir, ...options.env },
  );
  const server = runtime.createApp().listen(0, '127.0.0.1');
  try {
    for (let i = 0; i < enriched.length; i += 5_000) {
      const report = await runtime.catalog.ingest(enriched.slice(i, i + 5_000), i);
      if (report.rejected > 0) throw new Error(`rejected: ${JSON.stringify(report.errors.slice(0, 3))}`);
    }
    await runtime.backend.optimize();
    const products: Product[] = [];
    for await (const batch of runtime.backend.scanProducts(5_000)) products.push(...batch);
    const catalog = new SimulationCatalog(products);
    options.log(`personalization: ${products.length} enriched products ingested`);

    await new Promise((resolve) => server.once('listening', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const trafficStarted = performance.now();
    const traffic = await simulateTraffic({
      ...DEFAULT_TRAFFIC,
      baseUrl,
      catalog,
      shoppers: options.shoppers,
      sessionsPerShopper: options.sessionsPerShopper,
      queriesPerSession: options.queriesPerSession,
      seed: options.seed,
    });
    const trafficSeconds = (performance.now() - trafficStarted) / 1000;
    options.log(
      `personalization: ${traffic.report.searches} searches in ${trafficSeconds.toFixed(0)} s, ` +
        `${traffic.report.events.click ?? 0} clicks`,
    );

    const report = await trainRankerFrom(
      { events: runtime.eventStore, since: 0 },
      { registry: runtime.rankers, promote: 'auto', logger: runtime.logger, training: options.training },
    );
    const outcome = report.outcome!;
    options.log(`personalization: ${outcome.decision}`);
    // Measured whatever the gate said: the question is what the model does for shoppers.
    if (!outcome.promoted) runtime.rankers.promote(outcome.metadata.version);
    runtime.reranker.load();

    const client = new SearchApiClient(baseUrl);
    const evaluation = await evaluatePersonalization({
      search: client.search,
      catalog,
      shoppers: traffic.signedIn,
      queriesPerShopper: options.evalQueriesPerShopper,
      seed: options.seed + 1,
    });
    return {
      products: products.length,
      traffic: traffic.report,
      trafficSeconds,
      lists: { train: report.train, heldOut: report.heldOut },
      propensities: outcome.metadata.training.position_propensity ?? [],
      outcome,
      evaluation,
    };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await runtime.close();
  }
}
