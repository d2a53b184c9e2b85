/** The marketer's files: every mistake rejected with its file, line and column. */
import { describe, expect, it } from 'vitest';
import { ConfigFileError } from '../../src/main/config-file.ts';
import { parseMerchandisingFile } from '../../src/merchandising/settings.ts';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigFileError) return error.problems;
    throw error;
  }
  throw new Error('expected the file to be rejected');
}

const rules = (text: string) => parseMerchandisingFile('rules', { name: 'rules.yaml', text });
const synonyms = (text: string) => parseMerchandisingFile('synonyms', { name: 'synonyms.txt', text });
const stopwords = (text: string) => parseMerchandisingFile('stopwords', { name: 'stopwords.txt', text });
const attributes = (text: string) => parseMerchandisingFile('attributes', { name: 'attributes.yaml', text });

const pinRule = (extra: string) => `rules:
  - id: r1
    when:
      query: { exact: drill }
    pin:
      - { id: p1, position: 1 }
${extra}`;

describe('rules.yaml', () => {
  it('loads a valid file, and an empty one as no rules', () => {
    expect(rules(pinRule('')).size).toBe(1);
    expect(rules('').size).toBe(0);
    expect(rules('rules: []').size).toBe(0);
  });

  it('rejects an unknown key at its line and column', () => {
    expect(problemsOf(() => rules(pinRule('    colour: red')))).toEqual([
      'rules.yaml:7:5 rules.0.colour: unknown key',
    ]);
  });

  it('rejects a wrong type', () => {
    const problems = problemsOf(() => rules(pinRule('    priority: high')));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rules\.yaml:7:15 rules\.0\.priority: .*number/);
  });

  it('rejects invalid dates, dates without a time zone, and until before from', () => {
    expect(problemsOf(() => rules(pinRule('    active: { from: 2026-02-30T00:00:00Z }')))).toEqual([
      'rules.yaml:7:21 rules.0.active.from: must be a date and time with a time zone, e.g. 2026-03-01T00:00:00+01:00',
    ]);
    expect(problemsOf(() => rules(pinRule('    active: { from: "2026-03-01T00:00:00" }')))[0]).toMatch(
      /^rules\.yaml:7:21 rules\.0\.active\.from: must be a date and time with a time zone/,
    );
    expect(
      problemsOf(() =>
        rules(
          pinRule(
            '    active:\n      from: 2026-03-02T00:00:00+01:00\n      until: 2026-03-01T00:00:00+01:00',
          ),
        ),
      ),
    ).toEqual(['rules.yaml:9:14 rules.0.active.until: until must be after from']);
  });

  it('rejects a pin position beyond the page, and the same position twice', () => {
    const beyond = `rules:
  - id: r1
    when: { query: { exact: drill } }
    pin:
      - { id: p1, position: 101 }`;
    expect(problemsOf(() => rules(beyond))).toEqual([
      'rules.yaml:5:29 rules.0.pin.0.position: a pin goes on the first page: position 1 to 100',
    ]);
    const twice = `rules:
  - id: r1
    when: { query: { exact: drill } }
    pin:
      - { id: p1, position: 1 }
      - { id: p2, position: 1 }`;
    expect(problemsOf(() => rules(twice))).toEqual([
      'rules.yaml:6:29 rules.0.pin.1.position: position 1 is pinned twice',
    ]);
  });

  it('rejects a rule with no consequence, or no condition', () => {
    expect(
      problemsOf(() =>
        rules('rules:\n  - id: r1\n    when: { query: { exact: drill } }\n    description: nothing'),
      ),
    ).toEqual([
      'rules.yaml:2:5 rules.0: a rule needs a consequence: pin, hide, boost, bury, filter, rewrite or redirect',
    ]);
    expect(
      problemsOf(() => rules('rules:\n  - id: r1\n    when: {}\n    redirect: https://x.example/')),
    ).toEqual(['rules.yaml:3:11 rules.0.when: give a query condition, a category or filters']);
  });

  it('rejects duplicate ids, bad factors and bad redirects, all at once', () => {
    const text = `rules:
  - id: same
    when: { query: { any: true } }
    boost:
      - { filter: { brand: Bosch }, factor: 0.5 }
  - id: same
    when: { category: Tools }
    redirect: ftp://files.example/
    bury:
      - { filter: { in_stock: false }, factor: 2 }`;
    expect(problemsOf(() => rules(text))).toEqual([
      'rules.yaml:5:45 rules.0.boost.0.factor: a boost factor is above 1 and at most 100 (2 doubles the relevance)',
      'rules.yaml:10:48 rules.1.bury.0.factor: a bury factor is between 0 and 1 (0.5 halves the relevance)',
      'rules.yaml:8:15 rules.1.redirect: must be an http:// or https:// URL',
      'rules.yaml:6:9 rules.1.id: duplicate rule id "same"',
    ]);
  });

  it('reports YAML syntax errors with their place', () => {
    expect(problemsOf(() => rules('rules:\n  - id: r1\n   when: [')).at(0)).toMatch(/^rules\.yaml:\d+:\d+ /);
  });
});

describe('synonyms.txt', () => {
  it('reads equivalences, one-way mappings, multi-word entries and comments', () => {
    const set = synonyms('# comment\n\nsneakers, trainers, running shoes\ntv => television\n');
    expect(set.size).toBe(2);
    expect(set.lines.map((l) => l.kind)).toEqual(['equivalent', 'explicit']);
    expect(set.match(['running', 'shoes'])[0]).toMatchObject({ words: 'running shoes', replaced: false });
  });

  it('rejects a line that cannot parse, at its column', () => {
    expect(problemsOf(() => synonyms('ok, fine\nsneakers, , trainers\n'))).toEqual([
      'synonyms.txt:2:11 empty entry: a comma with nothing before or after it',
    ]);
    expect(problemsOf(() => synonyms('a => b => c'))).toEqual([
      'synonyms.txt:1:8 more than one "=>" on a line',
    ]);
    expect(problemsOf(() => synonyms('  lonely'))).toEqual([
      'synonyms.txt:1:3 an equivalence needs two or more entries separated by commas',
    ]);
    expect(problemsOf(() => synonyms('tv =>'))).toEqual([
      'synonyms.txt:1:6 empty entry: a comma with nothing before or after it',
    ]);
    expect(problemsOf(() => synonyms('a\\,b, c'))).toEqual([
      'synonyms.txt:1:2 backslash escapes are not supported',
    ]);
    expect(problemsOf(() => synonyms('!!!, ok'))).toEqual([
      'synonyms.txt:1:1 "!!!" has no word a search could match',
    ]);
  });
});

describe('stopwords.txt', () => {
  it('reads one word per line and rejects anything else', () => {
    expect([...stopwords('# c\nThe\nfor\n')]).toEqual(['the', 'for']);
    expect(problemsOf(() => stopwords('the\n  of the\n'))).toEqual([
      'stopwords.txt:2:3 "of the" is not one word (one stopword per line, letters and digits)',
    ]);
  });
});

describe('attributes.yaml', () => {
  it('reads terms and range attributes with defaults', () => {
    const settings = attributes('attributes:\n  color: {}\n  size: { type: range, edges: [8, 10] }\n');
    expect(settings.attributes).toEqual({
      color: { type: 'terms', facet: true, filter: true },
      size: { type: 'range', facet: true, filter: true, edges: [8, 10] },
    });
  });

  it('rejects a range facet without edges, reserved names and clashing filter names', () => {
    expect(
      problemsOf(() =>
        attributes(
          'attributes:\n  size: { type: range }\n  brand: {}\n  width: { type: range, facet: false }\n  width_min: {}\n',
        ),
      ),
    ).toEqual([
      'attributes.yaml:2:9 attributes.size.edges: a range facet needs its bucket edges',
      'attributes.yaml:3:10 attributes.brand: "brand" is a built-in facet or filter; name the attribute differently',
      'attributes.yaml:5:14 attributes.width_min: clashes with the range filter filter.width_min of "width"',
    ]);
  });
});
