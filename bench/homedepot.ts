/**
 * Shared benchmark plumbing: the Home Depot data in ../shared/data/homedepot (read from
 * there, never copied), a runtime on a temporary store, and machine facts for the record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRecordBatches } from '../src/catalog/record-files.ts';
import { loadConfig } from '../src/config.ts';
import { type Judgments, loadJudgments } from '../src/eval/judgments.ts';
import { createLogger } from '../src/logging.ts';
import { createRuntime, type Runtime, type RuntimeOptions } from '../src/runtime.ts';

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
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', DEMO_CATALOG: 'off', ...env });
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
