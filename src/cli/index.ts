#!/usr/bin/env node

/**
 * One program, several commands, all reading the same configuration (PORT, DATA_DIR, ...
 * from the environment) as the service:
 *   serve | ingest <file> | reindex | encoder train|list | train | models list|promote|rollback
 *   | profiles rebuild | jobs run <name> | jobs list | simulate
 *   npm run cli -- ingest products.csv --rename product_uid=id
 */

import fs from 'node:fs';
import type { Server } from 'node:http';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { IndexSetupError } from '../backends/elasticsearch/index-lifecycle.ts';
import { MappingConflictError } from '../backends/elasticsearch/mapping-conflicts.ts';
import { EmbedderMismatchError } from '../backends/embedded/embedded-backend.ts';
import { RECORD_FORMATS, type RecordFormat, readRecordBatches } from '../catalog/record-files.ts';
import { BackendUnavailableError } from '../catalog/search-backend.ts';
import { JudgmentsFileError, loadJudgments } from '../eval/judgments.ts';
import { JobBusyError } from '../jobs/job-runner.ts';
import { JOB_NAMES, type JobName } from '../jobs/job-store.ts';
import { ConfigError, loadConfig } from '../main/config.ts';
import { ConfigFileError } from '../main/config-file.ts';
import { createRuntime, loadDemoCatalogIfEmpty } from '../main/runtime.ts';
import { trainRankerFrom } from '../ranking/training/ranker-training.ts';
import { encoderList, encoderTrain } from './commands/encoder.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { printJson } from './print.ts';

/** A mistake in the command line itself (a missing file, say). */
class UsageError extends Error {}

function parseRename(value: string, previous: Map<string, string>): Map<string, string> {
  for (const pair of value.split(',')) {
    const [from, to] = pair.split('=').map((s) => s.trim());
    if (!from || !to) throw new InvalidArgumentError(`expected source=field pairs, got "${pair}"`);
    previous.set(from, to);
  }
  return previous;
}

function positiveInteger(value: string): number {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

async function serve(): Promise<void> {
  const config = loadConfig();
  const runtime = await createRuntime(config);
  try {
    await loadDemoCatalogIfEmpty(runtime);
    const optimized = await runtime.backend.optimize();
    if (optimized.rebuilt) runtime.logger.info(optimized, 'vector index rebuilt');
  } catch (error) {
    // A cluster that is down at start-up is not fatal: /readyz fails and searches answer 503
    // until it returns. Anything else is.
    if (!(error instanceof BackendUnavailableError)) throw error;
    runtime.logger.warn(
      { err: error },
      'search backend unavailable at start-up; serving 503 until it returns',
    );
  }
  runtime.mappings.watch();
  if (config.jobsScheduler) runtime.jobs.scheduler.start();
  const server: Server = runtime.createApp().listen(config.port, config.host, () => {
    runtime.logger.info({ url: `http://localhost:${config.port}` }, 'search service listening');
    if (!config.adminApiKey)
      runtime.logger.warn(
        'ADMIN_API_KEY is not set: catalog writes and shopper profiles are open to every client, and the admin API is off',
      );
  });
  // SIGTERM: stop taking requests, let a running job stop at its next safe point, close.
  const shutdown = (signal: string) => {
    runtime.logger.info({ signal }, 'shutting down');
    runtime.jobs.scheduler.stop();
    server.close();
    void runtime.close().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 40_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

interface IngestOptions {
  format?: RecordFormat;
  rename: Map<string, string>;
  batchSize: number;
  progress: boolean;
}

async function ingest(file: string, options: IngestOptions): Promise<void> {
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const runtime = await createRuntime(loadConfig());
  const size = fs.statSync(file).size;
  const bar = new SingleBar({
    format: 'ingest [{bar}] {percentage}% | {products} products | {rate}/s | {eta_formatted} left',
    hideCursor: true,
  });
  if (options.progress) bar.start(size, 0, { products: 0, rate: 0 });
  const started = performance.now();
  const totals = { received: 0, accepted: 0, rejected: 0, created: 0, updated: 0, unchanged: 0 };
  const errors: unknown[] = [];
  try {
    for await (const batch of readRecordBatches(file, {
      ...(options.format && { format: options.format }),
      rename: options.rename,
      batchSize: options.batchSize,
      onBytes: (bytes) => options.progress && bar.update(bytes),
    })) {
      const report = await runtime.catalog.ingest(batch, totals.received);
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += report[key];
      errors.push(...report.errors);
      const rate = Math.round(totals.received / ((performance.now() - started) / 1000));
      if (options.progress) bar.update({ products: totals.received, rate });
    }
  } finally {
    if (options.progress) bar.stop();
  }
  const optimized = await runtime.backend.optimize();
  const seconds = (performance.now() - started) / 1000;
  printJson({
    ...totals,
    seconds: Math.round(seconds * 10) / 10,
    products_per_second: Math.round(totals.received / seconds),
    vector_index: optimized,
    errors: errors.slice(0, 20),
  });
  if (errors.length > 20) console.log(`... and ${errors.length - 20} more rejected records`);
  await runtime.close();
  if (totals.rejected > 0) process.exitCode = 2;
}

async function reindex(): Promise<void> {
  // The way out of a changed EMBEDDER: the store opens though built with another one.
  const runtime = await createRuntime(loadConfig(), { acceptEmbedderChange: true });
  try {
    printJson(await runtime.catalog.reindex());
  } finally {
    await runtime.close();
  }
}

interface TrainOptions {
  judgments?: string;
  sinceDays: number;
  epochs?: number;
  promote: boolean;
  progress: boolean;
}

async function train(options: TrainOptions): Promise<void> {
  if (options.judgments && !fs.existsSync(options.judgments))
    throw new UsageError(`no such file: ${options.judgments}`);
  const config = loadConfig();
  const runtime = await createRuntime(config);
  const bar = new SingleBar({ format: '{task} [{bar}] {value}/{total} {info}', hideCursor: true });
  try {
    const judgments = options.judgments ? loadJudgments(options.judgments) : undefined;
    if (judgments && options.progress) bar.start(judgments.size, 0, { task: 'judged queries', info: '' });
    const epochs = options.epochs ?? 30;
    const report = await trainRankerFrom(
      judgments
        ? {
            judgments,
            candidates: (q) => runtime.search.candidates(q),
            onQuery: (done) => options.progress && bar.update(done),
          }
        : { events: runtime.eventStore, since: Date.now() - options.sinceDays * 86_400_000 },
      {
        registry: runtime.rankers,
        promote: options.promote ? 'auto' : 'never',
        logger: runtime.logger,
        tfjsBackend: config.tfjsBackend,
        training: {
          epochs,
          onEpoch: ({ epoch, loss, heldoutNdcg, seconds }) => {
            const info = `loss ${loss.toFixed(4)} | held-out NDCG@10 ${heldoutNdcg.toFixed(4)} | ${seconds.toFixed(1)} s`;
            if (!options.progress) console.error(`epoch ${epoch}: ${info}`);
            else if (epoch === 1) {
              bar.stop();
              bar.start(epochs, 1, { task: 'epochs', info });
            } else bar.update(epoch, { info });
          },
        },
      },
    );
    const { outcome } = report;
    if (!outcome) throw new UsageError(`${report.notTrained} (events of the last ${options.sinceDays} days)`);
    if (options.progress) bar.stop();
    const { metadata } = outcome;
    printJson({
      version: metadata.version,
      promoted: outcome.promoted,
      decision: outcome.decision,
      source: metadata.training.source,
      lists: { train: report.train, held_out: report.heldOut },
      metrics: metadata.metrics,
      tensorflow: metadata.tensorflow,
      seconds: Math.round(metadata.training.seconds * 10) / 10,
      epochs: metadata.training.epoch_loss.map((loss, i) => ({
        epoch: i + 1,
        loss: Math.round(loss * 10_000) / 10_000,
        heldout_ndcg10: Math.round(metadata.training.epoch_heldout_ndcg[i]! * 10_000) / 10_000,
        seconds: Math.round(metadata.training.epoch_seconds[i]! * 100) / 100,
      })),
      dir: outcome.dir,
    });
  } finally {
    await runtime.close();
  }
}

async function withRuntime<T>(
  action: (runtime: Awaited<ReturnType<typeof createRuntime>>) => T,
): Promise<void> {
  const runtime = await createRuntime(loadConfig());
  try {
    printJson(await action(runtime));
  } finally {
    await runtime.close();
  }
}

async function jobsRun(name: string): Promise<void> {
  if (!(JOB_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`no job named "${name}"; jobs are ${JOB_NAMES.join(', ')}`);
  }
  const runtime = await createRuntime(loadConfig());
  const stop = () => runtime.jobs.runner.shutdown(60_000);
  process.once('SIGTERM', stop);
  try {
    const run = await runtime.jobs.runner.run(name as JobName, 'cli');
    printJson(run);
    if (run.status !== 'succeeded') process.exitCode = 1;
  } catch (error) {
    if (error instanceof JobBusyError) throw new UsageError(error.message);
    throw error;
  } finally {
    process.off('SIGTERM', stop);
    await runtime.close();
  }
}

const program = new Command()
  .name('hybrid-search')
  .description('Hybrid product search: BM25 + vectors + learning to rank')
  .showHelpAfterError();

program.command('serve').description('run the HTTP service').action(serve);

program
  .command('ingest')
  .description('load products from a CSV, JSON or NDJSON file (upserts by id)')
  .argument('<file>', 'catalog file')
  .addOption(
    new Option('--format <format>', 'file format (default: from the extension)').choices(RECORD_FORMATS),
  )
  .option('--rename <pairs>', 'rename source fields, e.g. product_uid=id,name=title', parseRename, new Map())
  .option('--batch-size <n>', 'records per write batch', positiveInteger, 1000)
  .option('--no-progress', 'no progress bar')
  .action(ingest);

program
  .command('reindex')
  .description('rebuild the index from the stored catalog into a new generation and switch to it')
  .action(reindex);

const encoder = program.command('encoder').description('the in-house text encoder');
encoder
  .command('train')
  .description(
    'train a new encoder version on the stored catalog (and logged query-product pairs), activate it and reindex',
  )
  .option('--since-days <n>', 'learn from the searches with clicks of the last n days', positiveInteger, 90)
  .option('--epochs <n>', 'training epochs', positiveInteger)
  .option('--dimensions <n>', 'vector dimensions', positiveInteger)
  .option('--no-activate', 'save the version without serving it')
  .option('--no-progress', 'no progress bar')
  .action(encoderTrain);
encoder.command('list').description('trained encoder versions').action(encoderList);

program
  .command('train')
  .description('train a ranking model from logged events (or a judgment list) and promote it if it is better')
  .option('--judgments <csv>', 'learn from a judgment list (query,product_uid,relevance) instead of events')
  .option('--since-days <n>', 'events of the last n days', positiveInteger, 30)
  .option('--epochs <n>', 'most training epochs (early stopping may end sooner)', positiveInteger)
  .option('--no-promote', 'save the version without serving it')
  .option('--no-progress', 'no progress bar')
  .action(train);

const models = program.command('models').description('ranking model versions');
models
  .command('list')
  .description('saved ranking models and which one serves')
  .action(() =>
    withRuntime(({ rankers }) => {
      const { active, history } = rankers.state();
      return rankers.list().map((m) => ({
        version: m.version,
        serving: m.version === active,
        previously_serving: history.includes(m.version),
        source: m.training.source,
        trained_at: m.trained_at,
        heldout_ndcg10: m.metrics.ndcg10,
        fused_ndcg10: m.metrics.ndcg10_fused,
        backend: m.tensorflow.backend,
      }));
    }),
  );
models
  .command('promote')
  .description('serve a saved version (the current one can be rolled back to)')
  .argument('<version>')
  .action((version: string) => withRuntime(({ rankers }) => rankers.promote(version)));
models
  .command('rollback')
  .description('go back to the previously serving version')
  .action(() => withRuntime(({ rankers }) => rankers.rollback()));

const jobs = program.command('jobs').description('maintenance jobs (reindex, suggestions, retrain)');
jobs
  .command('run')
  .description('run a job now and wait for it (what Kubernetes CronJobs call)')
  .argument('<name>', JOB_NAMES.join(' | '))
  .action(jobsRun);
jobs
  .command('list')
  .description('schedules and recent runs')
  .action(() =>
    withRuntime(async ({ jobs: { scheduler, store } }) => ({
      jobs: scheduler.describe(),
      runs: await store.runs({ limit: 20 }),
    })),
  );

program
  .command('profiles')
  .description('shopper profiles')
  .command('rebuild')
  .description('recompute every shopper profile from the event log')
  .action(() => withRuntime(async ({ events }) => ({ profiles: await events.rebuildProfiles() })));

registerSimulateCommand(program);

/** Problems a person fixes in configuration or data: the message says what to do, a stack adds nothing. */
const STARTUP_PROBLEMS = [
  UsageError,
  ConfigError,
  ConfigFileError,
  MappingConflictError,
  IndexSetupError,
  EmbedderMismatchError,
  JudgmentsFileError,
];

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!STARTUP_PROBLEMS.some((problem) => error instanceof problem)) throw error;
  console.error(`hybrid-search: ${(error as Error).message}`);
  process.exitCode = 1;
}
