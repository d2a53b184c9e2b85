/** Which rules a search meets, in which order, and what wins when they conflict. */
import { describe, expect, it } from 'vitest';
import { keywordQuery } from '../../src/merchandising/keyword-query.ts';
import { applyPlan, planMerchandising } from '../../src/merchandising/plan.ts';
import { parseMerchandisingFile } from '../../src/merchandising/settings.ts';

const book = (text: string) => parseMerchandisingFile('rules', { name: 'rules.yaml', text });
const NOW = Date.parse('2026-06-15T12:00:00Z');

function firedIds(text: string, q: string, filters = {}, now = NOW): string[] {
  return planMerchandising(book(text), { q, filters, now }).fired.map((r) => r.id);
}

const CONDITIONS = `rules:
  - id: exact
    when: { query: { exact: [cordless drill, drill] } }
    redirect: https://x.example/exact
  - id: prefix
    when: { query: { prefix: cordless } }
    redirect: https://x.example/prefix
  - id: contains
    when: { query: { contains: [hammer drill, impact] } }
    redirect: https://x.example/contains
  - id: any
    when: { query: { any: true } }
    redirect: https://x.example/any
  - id: kitchen
    when: { category: Home > Kitchen }
    redirect: https://x.example/kitchen
  - id: bosch-in-tools
    when: { category: Tools, filters: { brand: Bosch }, query: { contains: drill } }
    redirect: https://x.example/bosch
  - id: off
    enabled: false
    when: { query: { any: true } }
    redirect: https://x.example/off
`;

describe('rule conditions', () => {
  it('matches exact, prefix and contains on the normalized words of the query', () => {
    expect(firedIds(CONDITIONS, 'Cordless  DRILL')).toEqual(['exact', 'prefix', 'any']);
    expect(firedIds(CONDITIONS, 'cordless drills')).toEqual(['prefix', 'any']);
    expect(firedIds(CONDITIONS, 'red hammer drill set')).toEqual(['contains', 'any']);
    expect(firedIds(CONDITIONS, 'hammer')).toEqual(['any']);
    // Word level: "impactful" does not contain the word "impact".
    expect(firedIds(CONDITIONS, 'impactful')).toEqual(['any']);
  });

  it('matches the browse context: a category at or below the rule, and the filters it names', () => {
    expect(firedIds(CONDITIONS, '', { category: ['Home > Kitchen > Cookware'] })).toEqual(['kitchen']);
    expect(firedIds(CONDITIONS, '', { category: ['Home'] })).toEqual([]);
    expect(
      firedIds(CONDITIONS, 'drill', { category: ['Tools > Power Tools'], brand: ['Bosch', 'Ryobi'] }),
    ).toEqual(['exact', 'any', 'bosch-in-tools']);
    expect(firedIds(CONDITIONS, 'drill', { category: ['Tools'], brand: ['Ryobi'] })).toEqual([
      'exact',
      'any',
    ]);
  });

  it('fires inside the campaign window only, to the millisecond', () => {
    const text = `rules:
  - id: campaign
    when: { query: { any: true } }
    active: { from: 2026-06-01T00:00:00+02:00, until: 2026-07-01T00:00:00+02:00 }
    redirect: https://x.example/`;
    expect(firedIds(text, 'x', {}, Date.parse('2026-05-31T21:59:59.999Z'))).toEqual([]);
    expect(firedIds(text, 'x', {}, Date.parse('2026-05-31T22:00:00Z'))).toEqual(['campaign']);
    expect(firedIds(text, 'x', {}, Date.parse('2026-06-30T21:59:59.999Z'))).toEqual(['campaign']);
    expect(firedIds(text, 'x', {}, Date.parse('2026-06-30T22:00:00Z'))).toEqual([]);
  });

  it('orders by priority, then file order', () => {
    const text = `rules:
  - { id: a, when: { query: { any: true } }, redirect: "https://x.example/a" }
  - { id: b, priority: 5, when: { query: { any: true } }, redirect: "https://x.example/b" }
  - { id: c, when: { query: { any: true } }, redirect: "https://x.example/c" }`;
    const plan = planMerchandising(book(text), { q: 'x', filters: {}, now: NOW });
    expect(plan.fired.map((r) => r.id)).toEqual(['b', 'a', 'c']);
    expect(plan.redirect).toEqual({ url: 'https://x.example/b', rule: 'b' });
    expect(plan.overridden).toEqual([
      { rule: 'a', action: 'redirect', by: 'b', detail: 'one redirect per search' },
      { rule: 'c', action: 'redirect', by: 'b', detail: 'one redirect per search' },
    ]);
  });
});

describe('rule consequences', () => {
  const CONFLICTS = `rules:
  - id: low
    when: { query: { exact: drill } }
    pin:
      - { id: p1, position: 1 }
      - { id: p3, position: 2 }
    hide: { ids: [p2] }
  - id: high
    priority: 10
    when: { query: { exact: drill } }
    pin:
      - { id: p2, position: 1 }
    hide: { ids: [p3] }
`;

  it('resolves pins and hides by priority, and says which rule won', () => {
    const plan = planMerchandising(book(CONFLICTS), { q: 'drill', filters: {}, now: NOW });
    expect(plan.pins.map(({ id, position, rule }) => ({ id, position, rule }))).toEqual([
      { id: 'p2', position: 1, rule: 'high' },
    ]);
    expect(plan.filters.excludeIds).toEqual(['p3']);
    expect(plan.overridden).toEqual([
      { rule: 'low', action: 'hide', by: 'high', detail: 'p2 is pinned' },
      { rule: 'low', action: 'pin', by: 'high', detail: 'position 1 is taken' },
      { rule: 'low', action: 'pin', by: 'high', detail: 'p3 is hidden' },
    ]);
  });

  it('boosts and buries by position over factor, then places pins', () => {
    const text = `rules:
  - id: r
    when: { query: { any: true } }
    boost:
      - { filter: { brand: B }, factor: 4 }
    bury:
      - { filter: { in_stock: false }, factor: 0.5 }
    pin:
      - { id: pinned, position: 2 }`;
    const plan = planMerchandising(book(text), { q: 'x', filters: {}, now: NOW });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const summaries = new Map(ids.map((id) => [id, { id, title: id, brand: id === 'h' ? 'B' : 'A' }]));
    summaries.set('a', { id: 'a', title: 'a', brand: 'A', in_stock: false } as never);
    summaries.set('pinned', { id: 'pinned', title: 'pinned' } as never);
    const placed = applyPlan(
      plan,
      ids.map((id) => ({ id })),
      summaries,
      (id) => ({ id }),
    );
    // h: 4/8 = 0.5 ties with b (1/2) and goes after it; a: 0.5/1 ties too and keeps its place first.
    expect(placed.ranked.map((c) => c.id)).toEqual(['a', 'pinned', 'b', 'h', 'c', 'd', 'e', 'f', 'g']);
    expect(placed.inserted).toEqual(['pinned']);
    expect(placed.effects.get('h')).toEqual([{ rule: 'r', action: 'boost', factor: 4, from: 8, to: 3 }]);
    expect(placed.effects.get('pinned')).toEqual([{ rule: 'r', action: 'pin', position: 2 }]);
  });

  it('does not show a pinned product the search filters leave out, nor an unknown one', () => {
    const text = `rules:
  - id: r
    when: { query: { any: true } }
    pin:
      - { id: gone, position: 1 }
      - { id: out-of-stock, position: 2 }`;
    const plan = planMerchandising(book(text), { q: 'x', filters: { inStock: true }, now: NOW });
    const summaries = new Map([['out-of-stock', { id: 'out-of-stock', title: 't', in_stock: false }]]);
    const placed = applyPlan(plan, [{ id: 'a' }], summaries, (id) => ({ id }));
    expect(placed.ranked.map((c) => c.id)).toEqual(['a']);
    expect(placed.skippedPins).toEqual([
      { rule: 'r', id: 'gone' },
      { rule: 'r', id: 'out-of-stock' },
    ]);
  });

  it('rewrites the query once, and turns age into created_at bounds', () => {
    const text = `rules:
  - id: r1
    priority: 1
    when: { query: { contains: cheap } }
    rewrite: { remove: [cheap], replace: { tv: television }, add: [deal] }
    filter: { age_days: { max: 30 } }
  - id: r2
    when: { query: { contains: cheap } }
    rewrite: { add: [ignored] }`;
    const plan = planMerchandising(book(text), { q: 'cheap TV stand', filters: {}, now: NOW });
    expect(plan.rewrittenQuery).toBe('television stand deal');
    expect(plan.overridden).toEqual([
      { rule: 'r2', action: 'rewrite', by: 'r1', detail: 'one rewrite per search' },
    ]);
    expect(plan.filters.require).toEqual([{ createdFrom: '2026-05-16T12:00:00.000Z' }]);
  });
});

describe('synonyms and stopwords on the keyword query', () => {
  const set = parseMerchandisingFile('synonyms', {
    name: 'synonyms.txt',
    text: 'sneakers, trainers, running shoes\nhoover => vacuum cleaner\ntv => tv, television\n',
  });
  const stop = new Set(['the', 'for']);

  it('adds equivalent entries, by stem, as terms and phrases', () => {
    const q = keywordQuery('red sneaker', set, stop);
    expect(q.terms).toEqual(['red', 'sneaker']);
    expect(q.phrases).toEqual([['trainer'], ['run', 'shoe']]);
    expect(keywordQuery('running shoes for kids', set, stop).phrases).toEqual([['sneaker'], ['trainer']]);
  });

  it('replaces the words of a one-way rule unless it maps them to themselves', () => {
    const hoover = keywordQuery('the hoover bags', set, stop);
    expect(hoover).toMatchObject({ text: 'hoover bags', terms: ['bag'], phrases: [['vacuum', 'cleaner']] });
    expect(keywordQuery('tv', set, stop)).toMatchObject({ terms: ['tv'], phrases: [['televis']] });
  });

  it('drops stopwords, unless the query has nothing else', () => {
    expect(keywordQuery('drill for concrete', set, stop)).toMatchObject({
      text: 'drill concrete',
      stopwords: ['for'],
    });
    expect(keywordQuery('The For', set, stop)).toMatchObject({ text: 'The For', terms: ['the', 'for'] });
  });
});
