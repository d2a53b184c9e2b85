/**
 * The command line: a mistake a person fixes prints one line, `hybrid-search: <message>`,
 * no stack, and exits non-zero (2 for a wrong command line); results are JSON on stdout
 * and logs go to stderr, so `| jq` works.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CliOutcome as Outcome, runCli, temporaryFile } from '../helpers/cli.ts';

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env);
const file = temporaryFile;

function expectOneLine(outcome: Outcome, code: number, message: RegExp): void {
  expect(outcome.code, outcome.stderr).toBe(code);
  const lines = outcome.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^hybrid-search: /);
  expect(lines[0]).toMatch(message);
}

describe('the command line', { timeout: 60_000 }, () => {
  it('prints its version', async () => {
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(JSON.parse(fs.readFileSync('package.json', 'utf8')).version);
  });

  it('exits 2 with one line for a wrong command line', async () => {
    expectOneLine(await cli(['ingest', 'x.csv', '--bogus']), 2, /unknown option '--bogus'/);
    expectOneLine(
      await cli(['jobs', 'run', 'bogus']),
      2,
      /Allowed choices are reindex, suggestions, retrain, recommendations, retention/,
    );
    expectOneLine(
      await cli(['ingest', '/nonexistent/catalog.csv']),
      2,
      /no such file: \/nonexistent\/catalog.csv/,
    );
    expectOneLine(
      await cli(['ingest', file('catalog.txt', 'id,title\n')]),
      2,
      /cannot tell the format .* use --format/,
    );
  });

  it('names the file and the problem of a malformed CSV quote or truncated JSON', async () => {
    const csv = file('catalog.csv', 'id,title\n1,"Drill"x\n');
    expectOneLine(await cli(['ingest', csv, '--no-progress']), 1, /catalog\.csv: .*quote/i);
    const json = file('catalog.json', '[{"id": "1", "title": "Drill"');
    expectOneLine(await cli(['ingest', json, '--no-progress']), 1, /catalog\.json is not valid JSON/);
  });

  it('says when there is no such model version, or too little to train on', async () => {
    expectOneLine(await cli(['models', 'promote', 'nope']), 1, /no ranker version nope/);
    const judgments = file('judgments.csv', 'query,product_uid,relevance\ndrill,1,3\nmower,2,3\n');
    expectOneLine(
      await cli(['train', '--judgments', judgments, '--no-progress']),
      1,
      /not enough to learn from: 0 result lists/,
    );
  });

  it('prints results as snake_case JSON on stdout and logs on stderr', async () => {
    const { code, stdout, stderr } = await cli(['jobs', 'list'], { LOG_LEVEL: 'info' });
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { jobs: Record<string, unknown>[] };
    expect(Object.keys(result.jobs[0]!)).toContain('next_run');
    expect(stderr).toContain('"msg":"search backend open"');
  });
});
