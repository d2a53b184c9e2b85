import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigFileError, parseYamlConfig } from '../../src/main/config-file.ts';
import { loadMappings, MappingsStore } from '../../src/main/mappings.ts';
import { boostsSchema } from '../../src/merchandising/boosts.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

const valid = `fields:
  title: 3
  brand: 2
  category: 1.5
  description: 0.5
  attributes: 0.75
`;

function problemsOf(text: string): string[] {
  try {
    parseYamlConfig('boosts.yaml', text, boostsSchema);
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems;
    throw error;
  }
  return [];
}

describe('mappings files', () => {
  it('load from the repository and validate', () => {
    const mappings = loadMappings(path.resolve('mappings'));
    expect(mappings.boosts.fields.title).toBeGreaterThan(0);
    expect(mappings.search.fusion.method).toBe('weighted');
  });

  it('name the line of an unknown key', () => {
    expect(problemsOf(valid.replace('  brand: 2', '  brand: 2\n  titel: 4'))).toEqual([
      'boosts.yaml:4:3 fields.titel: unknown key',
    ]);
  });

  it('name the line of a bad value and of a missing key', () => {
    expect(problemsOf(valid.replace('title: 3', 'title: heavy'))).toEqual([
      expect.stringMatching(/^boosts\.yaml:2:10 fields\.title: .*expected number/),
    ]);
    expect(problemsOf(valid.replace('  attributes: 0.75\n', ''))).toEqual([
      expect.stringMatching(/^boosts\.yaml:2:3 fields\.attributes: /),
    ]);
    expect(problemsOf(valid.replace('description: 0.5', 'description: -1'))).toEqual([
      'boosts.yaml:5:16 fields.description: a field weight must be 0 or more',
    ]);
  });

  it('report YAML syntax errors with their position', () => {
    expect(problemsOf('fields:\n  title: [3\n')[0]).toMatch(/^boosts\.yaml:\d+:\d+ /);
  });

  it('keep the last good version when an edit is invalid', () => {
    const dir = temporaryDirectory();
    for (const file of ['boosts.yaml', 'search.yaml', 'jobs.yaml'])
      fs.copyFileSync(path.resolve('mappings', file), path.join(dir, file));
    const store = new MappingsStore(dir);
    fs.writeFileSync(path.join(dir, 'boosts.yaml'), valid.replace('title: 3', 'title: 9'));
    expect(store.reload()).toBeUndefined();
    expect(store.current.boosts.fields.title).toBe(9);
    fs.writeFileSync(path.join(dir, 'boosts.yaml'), valid.replace('title: 3', 'title: loud'));
    expect(store.reload()).toBeInstanceOf(ConfigFileError);
    expect(store.current.boosts.fields.title).toBe(9);
  });
});
