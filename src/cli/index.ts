#!/usr/bin/env node

/**
 * One program, several commands, all reading the same configuration (PORT, DATA_DIR, ...
 * from the environment) as the service. Results are JSON on stdout, logs go to stderr.
 * A mistake a person fixes prints one line, `hybrid-search: <message>`, and exits non-zero
 * (2 for a wrong command line); anything else is a bug and keeps its stack.
 *   npm run cli -- ingest products.csv --rename product_uid=id
 */
import fs from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { RECORD_FORMATS } from '../catalog/record-files.ts';
import { JOB_NAMES } from '../jobs/job-store.ts';
import { isServiceError } from '../main/errors.ts';
import { encoderList, encoderTrain } from './commands/encoder.ts';
import { experimentsReport } from './commands/experiments.ts';
import { catalogClear, ingest } from './commands/ingest.ts';
import {
  jobsList,
  jobsRun,
  modelsList,
  modelsPromote,
  modelsRollback,
  profilesRebuild,
  reindex,
} from './commands/maintenance.ts';
import { merchandisingPreview, merchandisingValidate } from './commands/merchandising.ts';
import { serve } from './commands/serve.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { train } from './commands/train.ts';
import { fieldRenames, positiveInteger } from './options.ts';

const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

// Set before the commands are added: they inherit both.
const program = new Command()
  .name('hybrid-search')
  .description('Hybrid product search: BM25 + vectors + learning to rank')
  .version(version)
  .exitOverride()
  .configureOutput({ outputError: () => {} });

program.command('serve').description('run the HTTP service').action(serve);

program
  .command('ingest')
  .description('load products from a CSV, JSON or NDJSON file (upserts by id)')
  .argument('<file>', 'catalog file')
  .addOption(
    new Option('--format <format>', 'file format (default: from the extension)').choices(RECORD_FORMATS),
  )
  .option('--rename <pairs>', 'rename source fields, e.g. product_uid=id,name=title', fieldRenames, new Map())
  .option('--batch-size <n>', 'records per write batch', positiveInteger, 1000)
  .option('--no-progress', 'no progress bar')
  .option('--no-adapt', 'when the file replaces the demo catalog, leave adapting the encoder to the service')
  .action(ingest);

program
  .command('catalog')
  .description('the stored catalog')
  .command('clear')
  .description('remove every product from the store (the demo catalog too); the next start loads no demo')
  .requiredOption('--yes', 'confirm: every product is removed')
  .action(catalogClear);

program
  .command('reindex')
  .description('rebuild the index from the stored catalog into a new generation and switch to it')
  .action(reindex);

const encoder = program.command('encoder').description('the in-house text encoder');
encoder
  .command('train')
  .description(
    'train a new encoder version on the stored catalog (and logged query-product pairs), reindex with it and activate it',
  )
  .option('--since-days <n>', 'learn from the searches with clicks of the last n days', positiveInteger, 90)
  .option('--epochs <n>', 'training epochs', positiveInteger)
  .option('--dimensions <n>', 'vector dimensions', positiveInteger)
  .addOption(
    new Option(
      '--teacher <model>',
      'distil a pretrained model (use) or learn from the catalog alone (none)',
    ).choices(['use', 'none']),
  )
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
models.command('list').description('saved ranking models and which one serves').action(modelsList);
models
  .command('promote')
  .description('serve a saved version (the current one can be rolled back to)')
  .argument('<version>')
  .action(modelsPromote);
models.command('rollback').description('go back to the previously serving version').action(modelsRollback);

const jobs = program
  .command('jobs')
  .description('maintenance jobs (reindex, suggestions, retrain, recommendations, retention)');
jobs
  .command('run')
  .description('run a job now and wait for it (what Kubernetes CronJobs call)')
  .addArgument(new Argument('<name>').choices(JOB_NAMES))
  .action(jobsRun);
jobs.command('list').description('schedules and recent runs').action(jobsList);

program
  .command('profiles')
  .description('shopper profiles')
  .command('rebuild')
  .description('recompute every shopper profile from the event log')
  .action(profilesRebuild);

program
  .command('experiments')
  .description('online experiments between rankers (mappings/experiments.yaml)')
  .command('report')
  .description('the winner of each experiment, with its significance test')
  .option('--id <id>', 'only this experiment')
  .action(experimentsReport);
const merchandising = program
  .command('merchandising')
  .description('rules, synonyms and boosts: check proposed files and preview their effect');
const proposedFileOptions = (command: Command) =>
  command
    .option('--rules <file>', 'a proposed rules.yaml')
    .option('--synonyms <file>', 'a proposed synonyms.txt')
    .option('--stopwords <file>', 'a proposed stopwords.txt')
    .option('--boosts <file>', 'a proposed boosts.yaml')
    .option('--attributes <file>', 'a proposed attributes.yaml');
proposedFileOptions(
  merchandising
    .command('validate')
    .description('check proposed files as the service loads them (errors with line and column, warnings)'),
).action(merchandisingValidate);
proposedFileOptions(
  merchandising
    .command('preview')
    .description('compare the top results of the serving and the proposed files, query by query'),
)
  .option('--queries <file>', 'queries to compare, one per line (default: the most frequent logged queries)')
  .option('--query <q>', 'a query to compare (repeatable)', (q: string, all: string[]) => [...all, q], [])
  .option('--judgments <csv>', 'judgments (query,product_uid,relevance) for the NDCG@10 change')
  .option('--top-queries <n>', 'how many of the most frequent logged queries', positiveInteger, 50)
  .option('--days <n>', 'days of logged searches for frequent queries and clicks', positiveInteger, 30)
  .option('--size <n>', 'results compared per query', positiveInteger, 10)
  .option('--at <time>', 'evaluate campaign windows at this time (ISO 8601 with a time zone)')
  .action(merchandisingPreview);

registerSimulateCommand(program);

/** One line for a mistake a person fixes, and its exit status; anything else is rethrown with its stack. */
function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return 0; // --help, --version
    if (error.code !== 'commander.help')
      console.error(`hybrid-search: ${error.message.replace(/^error: /, '')}`);
    return 2;
  }
  if (!isServiceError(error) || error.code === 'internal_error') throw error;
  console.error(`hybrid-search: ${error.message.replace(/\s*\n\s*/g, ' ')}`);
  return error.exitCode;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFailure(error);
}
