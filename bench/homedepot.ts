/**
 * Shared benchmark plumbing: the Home Depot data in ../shared/data/homedepot (read from
 * there, never copied), a runtime on a temporary store, and machine facts for the record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { readRecordBatches } from '../src/catalog/record-files.ts';
import {
  activateEncoder,
  activeEncoderDir,
  saveEncoderArtifact,
} from '../src/embeddings/encoder/encoder-artifact.ts';
import { type EncoderTrainingOptions, trainEncoder } from '../src/embeddings/encoder/train-encoder.ts';
import { TrainedEncoder } from '../src/embeddings/encoder/trained-encoder.ts';
import type { CatalogText } from '../src/embeddings/encoder/training-pairs.ts';
import { type Judgments, loadJudgments } from '../src/eval/judgments.ts';
import { percentile, type RankingQuality, scoreRankings } from '../src/eval/ranking-metrics.ts';
import { loadConfig, SIMULATED_TRAFFIC_ENV } from '../src/main/config.ts';
import { createLogger } from '../src/main/logger.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../src/main/runtime.ts';
import type { SearchRequest } from '../src/retrieval/search-request.ts';
import { analyzeQuery } from '../src/text/analyzer.ts';

export const HOMEDEPOT_DIR = path.resolve(process.env.HOMEDEPOT_DIR ?? '../shared/data/homedepot');
export const PRODUCTS_CSV = path.join(HOMEDEPOT_DIR, 'products.csv');
export const JUDGMENTS_CSV = path.join(HOMEDEPOT_DIR, 'judgments-dev.csv');

export function machineDescription(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function loadDevJudgments(limit?: number): Judgments {
  const judgments = loadJudgments(JUDGMENTS_CSV);
  if (!limit) return judgments;
  return new Map([...judgments].slice(0, limit));
}

export async function benchRuntime(
  options: RuntimeOptions = {},
  env: Record<string, string> = {},
): Promise<Runtime> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  // Benchmarks replay traffic at full speed from one client, with simulated event times.
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    DEMO_CATALOG: 'off',
    ...SIMULATED_TRAFFIC_ENV,
    ...env,
  });
  return createRuntime(config, { logger: createLogger('warn'), ...options });
}

export interface IngestTiming {
  products: number;
  ingestSeconds: number;
  optimizeSeconds: number;
  productsPerSecond: number;
}

/** Loads products.csv through the same path as `cli ingest`, then optimizes the index. */
export async function ingestHomeDepot(runtime: Runtime): Promise<IngestTiming> {
  const started = performance.now();
  let products = 0;
  for await (const batch of readRecordBatches(PRODUCTS_CSV, { rename: new Map([['product_uid', 'id']]) })) {
    const report = await runtime.catalog.ingest(batch, products);
    if (report.rejected > 0)
      throw new Error(`rejected records: ${JSON.stringify(report.errors.slice(0, 3))}`);
    products += batch.length;
  }
  const ingested = performance.now();
  await runtime.backend.optimize();
  const done = performance.now();
  return {
    products,
    ingestSeconds: (ingested - started) / 1000,
    optimizeSeconds: (done - ingested) / 1000,
    productsPerSecond: products / ((done - started) / 1000),
  };
}

/** The Home Depot titles as encoder training texts (the data set has titles only). */
export function homeDepotCatalogTexts(): CatalogText[] {
  const rows = parse(fs.readFileSync(PRODUCTS_CSV), { columns: true }) as { title: string }[];
  return rows.map((row) => ({ title: row.title, text: row.title }));
}

export const BENCH_MODELS_DIR = path.resolve('bench/out/models');

/**
 * The in-house encoder trained on the Home Depot catalog: the one in bench/out/models when
 * an earlier run left it there (`--retrain` to train anew), else trained now.
 */
export async function homeDepotEncoder(
  retrain: boolean,
  options: Partial<EncoderTrainingOptions> = {},
): Promise<{ encoder: TrainedEncoder; trainedNow: boolean }> {
  const existing = activeEncoderDir(BENCH_MODELS_DIR);
  if (existing && !retrain) return { encoder: TrainedEncoder.load(existing), trainedNow: false };
  const artifact = await trainEncoder(homeDepotCatalogTexts(), [], {
    logger: createLogger('info'),
    ...options,
  });
  saveEncoderArtifact(BENCH_MODELS_DIR, artifact);
  activateEncoder(BENCH_MODELS_DIR, artifact.metadata.version);
  return { encoder: new TrainedEncoder(artifact), trainedNow: true };
}

export function searchRequest(q: string, size: number): SearchRequest {
  return {
    q,
    filters: {},
    facets: size === 100 ? [] : ['brand', 'category', 'price'],
    page: 1,
    size,
    sort: 'relevance',
    explain: false,
  };
}

export interface RetrievalQuality {
  /** Plain BM25 of the engine: the query as typed, no spelling correction or proximity. */
  plain_bm25: RankingQuality;
  /** The keyword leg as the service serves it (spelling, proximity), the vector leg off. */
  bm25: RankingQuality;
  vector: RankingQuality;
  hybrid: RankingQuality;
}

/**
 * Each leg alone (top 100) and the fused ranking the service serves, scored on the
 * judgments. `bm25` runs the search pipeline with the vector leg weighted 0, so it is the
 * keyword side exactly as served; `plain_bm25` asks the engine directly.
 */
export async function evaluateRetrieval(runtime: Runtime, judgments: Judgments): Promise<RetrievalQuality> {
  const { fields } = runtime.mappings.current.boosts;
  const current = runtime.mappings.current;
  const keywordOnly = runtime.search.withSettings({
    ...current,
    search: {
      ...current.search,
      fusion: { ...current.search.fusion, weights: { ...current.search.fusion.weights, knn: 0 } },
    },
  });
  const plain = new Map<string, string[]>();
  const bm25 = new Map<string, string[]>();
  const vector = new Map<string, string[]>();
  const hybrid = new Map<string, string[]>();
  for (const q of judgments.keys()) {
    bm25.set(
      q,
      (await keywordOnly.search(searchRequest(q, 100))).hits.map((h) => h.id),
    );
    const lexical = await runtime.backend.lexicalSearch({
      text: q,
      terms: analyzeQuery(q).terms,
      filters: {},
      limit: 100,
      fieldWeights: fields,
    });
    plain.set(
      q,
      lexical.map((h) => h.id),
    );
    const [embedded] = await runtime.embedder.current.embed([q], 'query');
    const knn = await runtime.backend.vectorSearch({ vector: embedded!, filters: {}, limit: 100 });
    vector.set(
      q,
      knn.map((h) => h.id),
    );
    const fused = await runtime.search.search(searchRequest(q, 100));
    hybrid.set(
      q,
      fused.hits.map((h) => h.id),
    );
  }
  return {
    plain_bm25: scoreRankings(plain, judgments),
    bm25: scoreRankings(bm25, judgments),
    vector: scoreRankings(vector, judgments),
    hybrid: scoreRankings(hybrid, judgments),
  };
}

export function writeResult(name: string, result: unknown): string {
  const dir = path.resolve('bench/out');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().slice(0, 10)}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function fmt(value: number, digits = 3): string {
  return value.toFixed(digits);
}

/** p50 / p95 / p99 and mean of latency samples (ms). */
export function latencySummary(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
  };
}
