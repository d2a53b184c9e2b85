/**
 * Autocomplete: the in-memory suggestion index (prefix per keystroke at every word start,
 * best by weight) and the generator that feeds it from the query log (privacy threshold,
 * no zero-result queries) and from the catalog (brands, categories, shared title phrases).
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/backends/embedded/event-store.ts';
import { SqliteSuggestionStore } from '../../src/backends/embedded/suggestion-store.ts';
import { type Product, productSchema } from '../../src/catalog/product.ts';
import {
  mergeSuggestions,
  type Suggestion,
  suggestionsFromCatalog,
  suggestionsFromQueryLog,
} from '../../src/suggest/suggestion-generator.ts';
import { normalizeSuggestion, SuggestionIndex } from '../../src/suggest/suggestion-index.ts';
import type { EventType } from '../../src/users/events.ts';
import { temporaryDirectory } from '../helpers/runtime.ts';

/** Suggestions are stored normalized (the generator does that); the index normalizes the input. */
function s(text: string, weight: number, source: Suggestion['source'] = 'catalog'): Suggestion {
  return { text: normalizeSuggestion(text), weight, source };
}

const texts = (found: readonly Suggestion[]) => found.map((x) => x.text);

/** What the index promises, by brute force: any word start, weight first, then text. */
function reference(suggestions: readonly Suggestion[], input: string, size = 8): string[] {
  const prefix = normalizeSuggestion(input);
  if (!prefix) return [];
  return suggestions
    .filter((x) => {
      const words = x.text.split(' ');
      return words.some((_, w) => words.slice(w).join(' ').startsWith(prefix));
    })
    .sort((a, b) => b.weight - a.weight || a.text.localeCompare(b.text))
    .slice(0, Math.min(size, 20))
    .map((x) => x.text);
}

describe('normalizeSuggestion', () => {
  it('folds case, width and Latin diacritics, and collapses punctuation and spaces', () => {
    expect(normalizeSuggestion('  Cordless,   DRILL!! ')).toBe('cordless drill');
    expect(normalizeSuggestion('Crème Brûlée')).toBe('creme brulee');
    expect(normalizeSuggestion('ＤＲＩＬＬ\u3000２０Ｖ')).toBe('drill 20v');
    expect(normalizeSuggestion('Straße')).toBe('straße');
  });

  it("keeps the punctuation product names use: ' - / .", () => {
    expect(normalizeSuggestion("Kid's 5/8 in. X-Large hose")).toBe("kid's 5/8 in. x-large hose");
  });

  it('leaves nothing of blank or punctuation-only input', () => {
    expect(normalizeSuggestion('')).toBe('');
    expect(normalizeSuggestion('   ')).toBe('');
    expect(normalizeSuggestion('!!! ?? ***')).toBe('');
  });

  it('keeps Chinese and Korean text as typed', () => {
    expect(normalizeSuggestion('运动鞋  男')).toBe('运动鞋 男');
    expect(normalizeSuggestion('운동화')).toBe('운동화');
  });

  // Stripping every combining mark once turned ガーデン (garden) into カーテン (curtain).
  it('keeps Japanese voiced kana (dakuten, handakuten)', () => {
    expect(normalizeSuggestion('ドリル')).toBe('ドリル');
    expect(normalizeSuggestion('ガーデンホース')).toBe('ガーデンホース');
  });
});

describe('SuggestionIndex', () => {
  const catalog = [
    s('cordless drill', 9),
    s('cordless drill driver', 4),
    s('cordless saw', 6),
    s('corded drill', 5),
    s('drill bits', 7),
    s('drill press', 3),
    s('garden hose', 8),
    s('hose reel', 2),
    s('dewalt', 10),
    s('Crème Brûlée torch', 1),
    s('运动鞋', 5),
    s('运动鞋 男', 4),
    s('跑步鞋', 3),
    s('운동화', 2),
  ];
  const index = new SuggestionIndex(catalog);

  it('follows every keystroke of a word, from the first letter on', () => {
    // One and two letters come from the precomputed table, three and more from a scan.
    for (const typed of [
      'c',
      'co',
      'cor',
      'cord',
      'cordl',
      'cordless',
      'cordless ',
      'cordless d',
      'cordless drill',
    ])
      expect(texts(index.suggest(typed)), typed).toContain('cordless drill');
    expect(texts(index.suggest('cordless dr'))).toEqual(['cordless drill', 'cordless drill driver']);
    expect(texts(index.suggest('cordless drill d'))).toEqual(['cordless drill driver']);
  });

  it('matches at the start of any word, never inside a word or out of order', () => {
    expect(texts(index.suggest('dri'))).toEqual([
      'cordless drill',
      'drill bits',
      'corded drill',
      'cordless drill driver',
      'drill press',
    ]);
    expect(texts(index.suggest('hose'))).toEqual(['garden hose', 'hose reel']);
    expect(index.suggest('rill')).toEqual([]);
    expect(index.suggest('ordless')).toEqual([]);
    expect(index.suggest('drill cordless')).toEqual([]);
  });

  it('ranks by weight, then alphabetically, and lists a suggestion once even if several words match', () => {
    const tied = new SuggestionIndex([s('drill stand', 2), s('drill bits', 2), s('drill drill drill', 3)]);
    expect(texts(tied.suggest('dr'))).toEqual(['drill drill drill', 'drill bits', 'drill stand']);
    expect(texts(tied.suggest('drill'))).toEqual(['drill drill drill', 'drill bits', 'drill stand']);
    expect(tied.suggest('d')[0]).toEqual({ text: 'drill drill drill', weight: 3, source: 'catalog' });
  });

  it('ignores case, width, diacritics and punctuation in what is typed', () => {
    expect(texts(index.suggest('CORDLESS DR'))).toEqual(['cordless drill', 'cordless drill driver']);
    expect(texts(index.suggest('ｃｏｒｄｌｅｓｓ'))).toContain('cordless saw');
    expect(texts(index.suggest('creme b'))).toEqual(['creme brulee torch']);
    expect(texts(index.suggest('Crè'))).toEqual(['creme brulee torch']);
    expect(texts(index.suggest('brûl'))).toEqual(['creme brulee torch']);
    expect(texts(index.suggest('cordless, drill!'))).toEqual(['cordless drill', 'cordless drill driver']);
  });

  it('completes Chinese and Korean prefixes', () => {
    expect(texts(index.suggest('运'))).toEqual(['运动鞋', '运动鞋 男']);
    expect(texts(index.suggest('运动'))).toEqual(['运动鞋', '运动鞋 男']);
    expect(texts(index.suggest('运动鞋'))).toEqual(['运动鞋', '运动鞋 男']);
    expect(texts(index.suggest('运动鞋 男'))).toEqual(['运动鞋 男']);
    expect(texts(index.suggest('男'))).toEqual(['运动鞋 男']); // a word start after a space
    expect(texts(index.suggest('跑'))).toEqual(['跑步鞋']);
    expect(texts(index.suggest('운동'))).toEqual(['운동화']);
    // CJK text has no spaces between words: only the start of the run is a word start.
    expect(index.suggest('动鞋')).toEqual([]);
  });

  it('reads a prefix of four or more characters that starts nothing as holding one typo', () => {
    expect(texts(index.suggest('drils'))).toEqual([
      'cordless drill',
      'drill bits',
      'corded drill',
      'cordless drill driver',
      'drill press',
    ]);
    expect(texts(index.suggest('cordles dr'))).toEqual(['cordless drill', 'cordless drill driver']);
    expect(texts(index.suggest('cordelss'))).toEqual([
      'cordless drill',
      'cordless saw',
      'cordless drill driver',
    ]);
    expect(texts(index.suggest('gardne h'))).toEqual(['garden hose']);
    // Exact prefixes win outright; short prefixes and a wrong first letter are not guessed at.
    expect(texts(index.suggest('cordless s'))).toEqual(['cordless saw']);
    expect(index.suggest('drl')).toEqual([]);
    expect(index.suggest('xrill')).toEqual([]);
    expect(index.suggest('drilxx')).toEqual([]);
  });

  it('completes inside Chinese runs at the words a segmenter finds', () => {
    const cjk = new SuggestionIndex([s('秋季新款运动鞋', 2), s('蓝牙耳机', 3)]);
    expect(texts(cjk.suggest('运动'))).toEqual(['秋季新款运动鞋']);
    expect(texts(cjk.suggest('耳机'))).toEqual(['蓝牙耳机']);
    expect(cjk.suggest('动鞋')).toEqual([]);
  });

  it('answers nothing for an empty, blank or punctuation-only prefix, or one nothing starts with', () => {
    expect(index.suggest('')).toEqual([]);
    expect(index.suggest('   ')).toEqual([]);
    expect(index.suggest('?!')).toEqual([]);
    expect(index.suggest('zz')).toEqual([]);
    expect(index.suggest('cordless drill driver set')).toEqual([]);
    expect(new SuggestionIndex([]).suggest('a')).toEqual([]);
  });

  it('returns at most `size` (default 8, never more than 20)', () => {
    const many = Array.from({ length: 30 }, (_, i) => s(`cable ${String(i).padStart(2, '0')}`, 30 - i));
    const big = new SuggestionIndex(many);
    expect(big.size).toBe(30);
    for (const typed of ['c', 'ca', 'cab', 'cable']) {
      expect(big.suggest(typed), typed).toHaveLength(8);
      expect(texts(big.suggest(typed, 3)), typed).toEqual(['cable 00', 'cable 01', 'cable 02']);
      expect(big.suggest(typed, 20), typed).toHaveLength(20);
      expect(big.suggest(typed, 100), typed).toHaveLength(20);
      expect(texts(big.suggest(typed, 100)).at(-1), typed).toBe('cable 19');
    }
    expect(big.suggest('cable 1', 100)).toHaveLength(10);
  });

  it('agrees with a brute-force reference for every prefix of every word start', () => {
    // Many suggestions sharing first letters, so the precomputed short-prefix lists fill up.
    const words = [
      'cordless',
      'corded',
      'compact',
      'cable',
      'case',
      'drill',
      'driver',
      'drain',
      'hose',
      'hook',
    ];
    const suggestions: Suggestion[] = [];
    let weight = 1;
    for (const a of words)
      for (const b of words) if (a !== b) suggestions.push(s(`${a} ${b}`, (weight++ * 37) % 23));
    suggestions.push(s('运动鞋', 3), s('运动鞋 男', 3), s('운동화', 1));
    const big = new SuggestionIndex(suggestions);
    const prefixes = new Set<string>();
    for (const x of suggestions) {
      const parts = x.text.split(' ');
      for (let w = 0; w < parts.length; w++) {
        const key = parts.slice(w).join(' ');
        for (let n = 1; n <= key.length; n++) prefixes.add(key.slice(0, n));
      }
    }
    for (const prefix of prefixes)
      for (const size of [1, 8, 20, 50])
        expect(texts(big.suggest(prefix, size)), `${prefix} (${size})`).toEqual(
          reference(suggestions, prefix, size),
        );
  });
});

describe('suggestions from the query log', () => {
  let dir: string;
  let store: SqliteEventStore;
  const NOW = Date.now();
  let nextId = 0;

  beforeEach(() => {
    dir = temporaryDirectory('suggestion-test-');
    store = new SqliteEventStore(path.join(dir, 'events.db'));
    clicks = [];
  });
  afterEach(() => store.close());

  /** Searches whose shopper clicked a result; the clicks are stored before the log is read. */
  let clicks: string[] = [];

  /** One search as the search path records it, clicked unless `click: false`; returns its query id. */
  function searched(
    query: string,
    shopper: { user?: string; session?: string },
    options: { results?: number; at?: number; click?: boolean } = {},
  ): string {
    const queryId = `q${++nextId}`;
    store.recordImpression({
      queryId,
      query,
      timestamp: options.at ?? NOW,
      ...(shopper.user && { userHash: `hash-${shopper.user}` }),
      ...(shopper.session && { sessionId: shopper.session }),
      items: Array.from({ length: options.results ?? 5 }, (_, i) => ({
        productId: `p${i}`,
        position: i + 1,
      })),
    });
    if (options.click ?? true) clicks.push(queryId);
    return queryId;
  }

  async function acted(queryId: string, type: EventType): Promise<void> {
    await store.appendEvents([
      {
        eventId: `ev${++nextId}`,
        type,
        queryId,
        productId: 'p0',
        position: 1,
        timestamp: NOW,
        sessionId: 's',
      },
    ]);
  }

  async function fromLog(minShoppers: number, since = NOW - 86_400_000) {
    for (const queryId of clicks.splice(0)) await acted(queryId, 'click');
    return suggestionsFromQueryLog(store, { since, minShoppers });
  }

  it('suggests a query only once enough different shoppers typed it (privacy)', async () => {
    for (const user of ['u1', 'u2', 'u3']) searched('cordless drill', { user });
    // Typed often, but by two shoppers only.
    for (let i = 0; i < 5; i++) searched('gift for anna smith', { user: 'u1' });
    searched('gift for anna smith', { user: 'u2' });

    const three = await fromLog(3);
    expect(texts(three.suggestions)).toEqual(['cordless drill']);
    expect(three.queriesSeen).toBe(2);
    expect(three.suggestions[0]!.source).toBe('query');

    expect(texts((await fromLog(2)).suggestions).sort()).toEqual(['cordless drill', 'gift for anna smith']);
    expect((await fromLog(4)).suggestions).toEqual([]);
  });

  it('skips half-typed fragments however many shoppers typed them', async () => {
    for (const user of ['u1', 'u2', 'u3']) {
      searched('bosch in', { user });
      searched('drill for', { user });
      searched('bosch drill', { user });
    }
    expect(texts((await fromLog(3)).suggestions)).toEqual(['bosch drill']);
  });

  it('counts only signed-in shoppers who acted on the results, never sessions (anyone can make them up)', async () => {
    searched('garden hose', { user: 'u1' });
    searched('garden hose', { user: 'u1', session: 'other-session' }); // still u1
    for (const session of ['s1', 's2', 's3', 's4']) searched('garden hose', { session });
    searched('garden hose', { user: 'u2' }, { click: false }); // typed it, acted on nothing
    searched('garden hose', { user: 'u3' });
    expect((await fromLog(3)).suggestions).toEqual([]);
    searched('garden hose', { user: 'u2' });
    expect(texts((await fromLog(3)).suggestions)).toEqual(['garden hose']);
  });

  it('does not count searches without user or session as shoppers, only as searches', async () => {
    // One anonymous shopper repeating a private query is not several shoppers.
    for (let i = 0; i < 3; i++) searched('john smith 12 elm street', {});
    expect((await fromLog(3)).suggestions).toEqual([]);
    expect((await fromLog(1)).suggestions).toEqual([]);
    // Two known shoppers and two anonymous searches: still two shoppers.
    for (const user of ['u1', 'u2']) searched('patio heater', { user });
    searched('patio heater', {}, { click: false });
    searched('patio heater', {}, { click: false });
    expect((await fromLog(3)).suggestions).toEqual([]);
    // A third known shopper: suggested, weighted by all five searches (three clicked).
    searched('patio heater', { user: 'u3' });
    expect((await fromLog(3)).suggestions).toEqual([
      { text: 'patio heater', weight: 2 * Math.log1p(5) * (0.5 + 3 / 5), source: 'query' },
    ]);
  });

  it('counts spellings that normalize alike as one query', async () => {
    searched('Cordless Drill', { user: 'u1' });
    searched('cordless   drill!', { user: 'u2' });
    searched('CORDLESS DRILL', { user: 'u3' });
    const { suggestions, queriesSeen } = await fromLog(3);
    expect(queriesSeen).toBe(1);
    expect(suggestions).toEqual([
      { text: 'cordless drill', weight: 2 * Math.log1p(3) * (0.5 + 1), source: 'query' },
    ]);
  });

  it('does not suggest a query that never found anything', async () => {
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) searched('unobtainium', { user }, { results: 0 });
    // Found something once: that is enough.
    searched('rare widget', { user: 'u1' }, { results: 0 });
    searched('rare widget', { user: 'u2' }, { results: 0 });
    searched('rare widget', { user: 'u3' }, { results: 1 });
    const { suggestions, queriesSeen } = await fromLog(3);
    expect(texts(suggestions)).toEqual(['rare widget']);
    expect(queriesSeen).toBe(2);
  });

  it('weighs searches and engagement: 2 ln(1 + searches) (0.5 + share of searches with a click, cart or purchase)', async () => {
    for (const user of ['u1', 'u2', 'u3']) searched('leaf blower', { user });
    const plain = ['u4', 'u5', 'u6'].map((user) => searched('leaf blower', { user }, { click: false }));
    const engaged = ['u1', 'u2', 'u3'].map((user) => searched('lawn mower', { user }, { click: false }));
    await acted(engaged[0]!, 'click');
    await acted(engaged[0]!, 'purchase'); // the same search: counted once
    await acted(engaged[1]!, 'add_to_cart');
    await acted(engaged[2]!, 'click');
    await acted(plain[0]!, 'impression'); // not engagement
    const { suggestions } = await fromLog(3);
    const weight = Object.fromEntries(suggestions.map((x) => [x.text, x.weight]));
    expect(weight['leaf blower']).toBeCloseTo(2 * Math.log(7) * (0.5 + 3 / 6), 12);
    expect(weight['lawn mower']).toBeCloseTo(2 * Math.log(4) * (0.5 + 3 / 3), 12);
    expect(weight['lawn mower']!).toBeGreaterThan(weight['leaf blower']!);
  });

  it('only reads searches since the given time', async () => {
    searched('snow blower', { user: 'u1' }, { at: NOW - 40 * 86_400_000 });
    searched('snow blower', { user: 'u2' }, { at: NOW - 40 * 86_400_000 });
    searched('snow blower', { user: 'u3' });
    const recent = await fromLog(2, NOW - 30 * 86_400_000);
    expect(recent).toEqual({ suggestions: [], queriesSeen: 1 });
    expect(texts((await fromLog(2, NOW - 60 * 86_400_000)).suggestions)).toEqual(['snow blower']);
  });

  it('skips queries that are blank after normalization or longer than 80 characters', async () => {
    const long = `${'very long query '.repeat(6)}end`; // 99 characters
    for (const user of ['u1', 'u2']) {
      searched('???', { user });
      searched(long, { user });
    }
    expect(await fromLog(1)).toEqual({ suggestions: [], queriesSeen: 0 });
  });
});

describe('suggestions from the catalog', () => {
  const product = (id: string, title: string, brand?: string, category?: string): Product =>
    productSchema.parse({ id, title, ...(brand && { brand }), ...(category && { category }) });

  async function* pages(...batches: Product[][]): AsyncIterable<Product[]> {
    yield* batches;
  }

  const products = [
    product('1', 'DeWalt 20V MAX Cordless Drill Driver', 'DeWalt', 'Tools > Power Tools > Drills'),
    product('2', 'Makita 18V Cordless Drill Kit', 'Makita', 'Tools > Power Tools > Drills'),
    product('3', 'Bosch Cordless Drill with Impact Driver', 'Bosch', 'Tools > Power Tools > Drills'),
    product('4', 'DeWalt Impact Driver', 'DeWalt', 'Tools > Power Tools > Impact Drivers'),
    product('5', 'Flexzilla Garden Hose', 'Flexzilla', 'Garden > Watering > Garden Hose'),
    product('6', 'Gilmour Garden Hose', 'Gilmour', 'Garden > Watering > Garden Hose'),
    product('7', 'Teknor Garden Hose Garden Hose', undefined, 'Garden > Watering > Garden Hose'),
    product('8', 'Café Crème Espresso Cups', 'Café Co', 'Kitchen'),
  ];

  it('suggests every brand and category name, weighted 1 + ln(1 + products)', async () => {
    const found = await suggestionsFromCatalog(pages(products.slice(0, 4), products.slice(4)));
    const weight = Object.fromEntries(found.map((x) => [x.text, x.weight]));
    expect(found.every((x) => x.source === 'catalog')).toBe(true);
    expect(weight.dewalt).toBeCloseTo(1 + Math.log(3), 12);
    expect(weight.makita).toBeCloseTo(1 + Math.log(2), 12);
    expect(weight.tools).toBeCloseTo(1 + Math.log(5), 12);
    expect(weight['power tools']).toBeCloseTo(1 + Math.log(5), 12);
    expect(weight.drills).toBeCloseTo(1 + Math.log(4), 12);
    expect(weight['impact drivers']).toBeCloseTo(1 + Math.log(2), 12);
    expect(weight.kitchen).toBeCloseTo(1 + Math.log(2), 12);
    expect(weight['cafe co']).toBeCloseTo(1 + Math.log(2), 12); // normalized
  });

  it('never suggests a phrase that begins or ends with a function word', async () => {
    const found = await suggestionsFromCatalog(
      pages([
        product('a', 'Bosch in Line Drill with Case'),
        product('b', 'Bosch in Line Drill with Case'),
        product('c', 'Bosch in Line Drill with Case'),
      ]),
    );
    const phrases = texts(found);
    expect(phrases).toContain('line drill');
    expect(phrases).toContain('bosch in line');
    for (const fragment of ['bosch in', 'in line', 'drill with', 'with case', 'line drill with'])
      expect(phrases, fragment).not.toContain(fragment);
  });

  it('suggests Chinese phrases of segmented words that two products share', async () => {
    const found = await suggestionsFromCatalog(
      pages([
        product('z1', '秋季新款运动鞋 男士透气跑步鞋', '李宁'),
        product('z2', '女子轻量跑步鞋 夏季运动鞋', '安踏'),
        product('z3', '无线降噪蓝牙耳机', '华为'),
      ]),
    );
    const phrases = texts(found);
    expect(phrases).toEqual(expect.arrayContaining(['运动鞋', '跑步鞋', '李宁']));
    expect(phrases).not.toContain('蓝牙耳机'); // one product only
    const index = new SuggestionIndex(mergeSuggestions(found));
    expect(texts(index.suggest('运动'))).toContain('运动鞋');
  });

  it('suggests two- and three-word title phrases only when at least three products share them', async () => {
    const found = await suggestionsFromCatalog(pages(products));
    const phrases = new Map(found.map((x) => [x.text, x.weight]));
    expect(phrases.get('cordless drill')).toBeCloseTo(Math.log(4), 12); // products 1, 2, 3
    expect(phrases.has('impact driver')).toBe(false); // products 3 and 4 only
    expect(phrases.has('drill driver')).toBe(false);
    // Product 7 repeats "garden hose": still one product. The phrase is also a category name,
    // and appears once, as the name (names win over phrases).
    expect(found.filter((x) => x.text === 'garden hose')).toEqual([
      { text: 'garden hose', weight: 1 + Math.log(4), source: 'catalog' },
    ]);
    // No phrase starts with a number; none is longer than three words.
    for (const x of found) {
      expect(x.text, x.text).not.toMatch(/^\d/);
      expect(x.text.split(' ').length, x.text).toBeLessThanOrEqual(3);
    }
  });

  it('merges the sources: one entry per text, weights added, a query suggestion stays a query suggestion', async () => {
    const catalog = await suggestionsFromCatalog(pages(products));
    const queries: Suggestion[] = [
      { text: 'cordless drill', weight: 2, source: 'query' },
      { text: 'drill bits', weight: 1.5, source: 'query' },
    ];
    const merged = mergeSuggestions(queries, catalog);
    expect(merged.filter((x) => x.text === 'cordless drill')).toEqual([
      { text: 'cordless drill', weight: 2 + Math.log(4), source: 'query' },
    ]);
    expect(merged.find((x) => x.text === 'dewalt')?.source).toBe('catalog');
    expect(merged.length).toBe(new Set(merged.map((x) => x.text)).size);
    const weights = merged.map((x) => x.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));

    // And the index serves the merged list: the query suggestion outranks the catalog names.
    const index = new SuggestionIndex(merged);
    // 2 + ln 4, 1 + ln 4, 1 + ln 2 (a word start inside the name), 1.5.
    expect(texts(index.suggest('dri'))).toEqual(['cordless drill', 'drills', 'impact drivers', 'drill bits']);
    expect(index.suggest('dri')[0]?.source).toBe('query');
  });
});

describe('SqliteSuggestionStore', () => {
  it('replaces the whole set at once and remembers when', () => {
    const store = new SqliteSuggestionStore(
      path.join(temporaryDirectory('suggestion-store-'), 'suggestions.db'),
    );
    try {
      expect(store.all()).toEqual([]);
      expect(store.generatedAt()).toBeUndefined();
      store.replaceAll([s('cordless drill', 3, 'query'), s('dewalt', 2)]);
      store.replaceAll([s('garden hose', 1)]);
      expect(store.all()).toEqual([{ text: 'garden hose', weight: 1, source: 'catalog' }]);
      expect(Date.parse(store.generatedAt()!)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      store.close();
    }
  });
});
