/**
 * `ingest <file>`: products from CSV, JSON or NDJSON, upserted by id in batches. Prints a
 * summary with the first 20 rejected records; exit status 2 when any record was rejected.
 * When the file replaced the demo catalog, the encoder adapts to the new catalog before the
 * command ends (the reindex job, as the service would run it; `--no-adapt` leaves it to
 * the service's nightly reindex).
 */
import fs from 'node:fs';
import { SingleBar } from 'cli-progress';
import { detectFormat, type RecordFormat, readRecordBatches } from '../../catalog/record-files.ts';
import { loadConfig } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';
import { createRuntime, declineDemoCatalog } from '../../main/runtime.ts';
import { printJson } from '../print.ts';

export interface IngestOptions {
  format?: RecordFormat;
  rename: Map<string, string>;
  batchSize: number;
  progress: boolean;
  adapt: boolean;
}

export async function ingest(file: string, options: IngestOptions): Promise<void> {
  if (!fs.existsSync(file)) throw new ServiceError('usage', `no such file: ${file}`);
  const format = options.format ?? detectFormat(file);
  const runtime = await createRuntime(loadConfig());
  const size = fs.statSync(file).size;
  const bar = new SingleBar({
    format: 'ingest [{bar}] {percentage}% | {products} products | {rate}/s | {eta_formatted} left',
    hideCursor: true,
  });
  if (options.progress) bar.start(size, 0, { products: 0, rate: 0 });
  const started = performance.now();
  const totals = {
    received: 0,
    accepted: 0,
    rejected: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    demo_removed: 0,
  };
  const errors: unknown[] = [];
  try {
    for await (const batch of readRecordBatches(file, {
      format,
      rename: options.rename,
      batchSize: options.batchSize,
      onBytes: (bytes) => options.progress && bar.update(bytes),
    })) {
      const report = await runtime.catalog.ingest(batch, totals.received);
      for (const key of ['received', 'accepted', 'rejected', 'created', 'updated', 'unchanged'] as const)
        totals[key] += report[key];
      totals.demo_removed += report.demoRemoved ?? 0;
      errors.push(...report.errors);
      const rate = Math.round(totals.received / ((performance.now() - started) / 1000));
      if (options.progress) bar.update({ products: totals.received, rate });
    }
    bar.stop();
    const optimized = await runtime.backend.optimize();
    const seconds = (performance.now() - started) / 1000;
    const adaptation =
      options.adapt && totals.demo_removed > 0 ? await runtime.jobs.runner.run('reindex', 'cli') : undefined;
    printJson({
      ...totals,
      seconds: Math.round(seconds * 10) / 10,
      products_per_second: Math.round(totals.received / seconds),
      vector_index: optimized,
      ...(adaptation && {
        adaptation: {
          status: adaptation.status,
          summary: adaptation.summary,
          seconds: adaptation.durationSeconds,
        },
      }),
      errors: errors.slice(0, 20),
    });
    if (errors.length > 20) console.error(`... and ${errors.length - 20} more rejected records`);
    if (totals.rejected > 0) process.exitCode = 2;
  } finally {
    bar.stop();
    await runtime.close();
  }
}

/** `catalog clear --yes`: every product leaves the store (the demo catalog too). */
export async function catalogClear(): Promise<void> {
  const runtime = await createRuntime(loadConfig());
  try {
    const removed = await runtime.catalog.clear();
    declineDemoCatalog(runtime.config);
    printJson({ removed });
  } finally {
    await runtime.close();
  }
}
