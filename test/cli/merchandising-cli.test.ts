/**
 * `merchandising validate` and `merchandising preview` as a person runs them: a real child
 * process on a store, proposed files from disk, JSON on stdout, and one line naming the
 * file, line and column for a mistake.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PRODUCTS } from '../fixtures/products.ts';
import { runCli, temporaryFile } from '../helpers/cli.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

const dataDir = temporaryDirectory();
const cli = (args: string[]) => runCli(args, { DATA_DIR: dataDir }, 60_000);
const file = temporaryFile;

describe('merchandising on the command line', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    const ingested = await cli([
      'ingest',
      file('products.json', JSON.stringify(FIXTURE_PRODUCTS)),
      '--no-progress',
    ]);
    expect(ingested.code, ingested.stderr).toBe(0);
  });

  it('previews proposed rules on given queries', async () => {
    const rules = file(
      'rules.yaml',
      'rules:\n  - id: hose-offer\n    when: { query: { exact: hose } }\n    pin: [{ id: skillet-1, position: 1 }]\n',
    );
    const outcome = await cli([
      'merchandising',
      'preview',
      '--rules',
      rules,
      '--query',
      'hose',
      '--query',
      'drill',
    ]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const report = JSON.parse(outcome.stdout);
    expect(report.queries.map((q: { q: string }) => q.q)).toEqual(['hose', 'drill']);
    expect(report.queries[0].proposed[0].id).toBe('skillet-1');
    expect(report.queries[0].current[0].id).toBe('hose-1');
    expect(report.summary).toMatchObject({ queries: 2, changed: 1, source: 'given' });
  });

  it('validates proposed files and names the line and column of a mistake', async () => {
    // The rules next to the proposed synonyms name products of this store (the shipped
    // example names demo products, and this store has none).
    const good = await cli([
      'merchandising',
      'validate',
      '--synonyms',
      file('synonyms.txt', 'spanner => wrench\n'),
      '--rules',
      file(
        'rules.yaml',
        'rules:\n  - id: hose-offer\n    when: { query: { exact: hose } }\n    pin: [{ id: hose-1, position: 1 }]\n',
      ),
    ]);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ rules: 1, synonyms: 1, warnings: [] });
    const unknown = file(
      'rules.yaml',
      'rules:\n  - id: hose-offer\n    when: { query: { exact: hose } }\n    pin: [{ id: no-such-product, position: 1 }]\n',
    );
    const warned = await cli(['merchandising', 'validate', '--rules', unknown]);
    expect(warned.code, warned.stderr).toBe(0);
    expect(JSON.parse(warned.stdout).warnings).toEqual([
      `${unknown}:4:17 rule "hose-offer" pins "no-such-product", which is not in the catalog`,
    ]);
    const badFile = file(
      'rules.yaml',
      'rules:\n  - id: r\n    when: { query: { exact: hose } }\n    pin: [{ id: x, position: 1 }]\n    colour: red\n',
    );
    const bad = await cli(['merchandising', 'validate', '--rules', badFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      `hybrid-search: invalid configuration in ${badFile}: ${badFile}:5:5 rules.0.colour: unknown key`,
    ]);
  });
});
