/**
 * npm run bench:rules: the latency cost of the merchandising rules with 1,000 rules loaded.
 * The demo catalog in an embedded store, a generated rules.yaml of 1,000 rules (exact,
 * prefix and contains query conditions, category contexts, a few rules for every query;
 * pins, hides, boosts, buries, forced filters, rewrites and redirects), and searches of
 * words from the catalog (some fire rules, some none) run through the serving pipeline.
 * Reports the time of the two rules stages per search as the pipeline times them
 * (`match_rules` before retrieval: which rules apply and what they do; `rules` after the
 * ranker: boosts, buries and pins), and the whole search with and without the rules.
 *   npm run bench:rules -- --rules 1000 --searches 4000
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { demoCatalog } from '../src/catalog/demo-catalog.ts';
import type { ProductSummary } from '../src/catalog/search-backend.ts';
import type { Runtime } from '../src/main/runtime.ts';
import { applyPlan, planMerchandising } from '../src/merchandising/plan.ts';
import type { RuleBook } from '../src/merchandising/rule-book.ts';
import { parseMerchandisingFile } from '../src/merchandising/settings.ts';
import type { SearchRequest } from '../src/retrieval/search-request.ts';
import { benchRuntime, fmt, latencySummary, machineDescription, writeResult } from './homedepot.ts';

const { values: args } = parseArgs({
  options: {
    rules: { type: 'string', default: '1000' },
    searches: { type: 'string', default: '4000' },
  },
});
const RULES = Number(args.rules);
const SEARCHES = Number(args.searches);

/** A seeded generator, so every run measures the same rules and searches. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const products = demoCatalog();
const rand = random(13);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const words = (text: string) => text.toLowerCase().match(/[a-z]{3,}/g) ?? [];
const titleWords = [...new Set(products.flatMap((p) => words(p.title)))];
const titles = products.map((p) => words(p.title));
const ids = products.map((p) => String(p.id));
const brands = [...new Set(products.map((p) => p.brand).filter((b): b is string => Boolean(b)))];
const categories = [
  ...new Set(
    products.flatMap((p) => {
      const path = typeof p.category === 'string' ? p.category.split('>') : (p.category ?? []);
      return path.length > 0 ? [path[0]!.trim()] : [];
    }),
  ),
];

/** Two or three words of a catalog title: what shoppers type, so rules on them fire. */
function phrase(): string {
  const title = pick(titles);
  const start = Math.floor(rand() * Math.max(1, title.length - 2));
  return title.slice(start, start + 1 + Math.floor(rand() * 2)).join(' ') || pick(titleWords);
}

function consequence(i: number): Record<string, unknown> {
  switch (i % 7) {
    case 0: {
      const first = pick(ids);
      const second = pick(ids.filter((id) => id !== first));
      return {
        pin: [
          { id: first, position: 1 },
          { id: second, position: 3 },
        ],
      };
    }
    case 1:
      return { hide: { ids: [pick(ids), pick(ids)] } };
    case 2:
      return { boost: [{ filter: { brand: pick(brands) }, factor: 2 }] };
    case 3:
      return { bury: [{ filter: { price: { min: 200 } }, factor: 0.5 }] };
    case 4:
      return { filter: { in_stock: true }, boost: [{ filter: { age_days: { max: 90 } }, factor: 1.5 }] };
    case 5:
      return { rewrite: { add: [pick(titleWords)] } };
    default:
      return { redirect: `https://shop.example.com/campaign/${i}` };
  }
}

function generateRules(count: number): unknown[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 20;
    // 10 exact, 4 prefix, 4 contains, 1 category, and 1 in 200 for every query.
    const when =
      i % 200 === 199
        ? { query: { any: true } }
        : kind < 10
          ? { query: { exact: phrase() } }
          : kind < 14
            ? { query: { prefix: pick(titleWords) } }
            : kind < 18
              ? { query: { contains: phrase() } }
              : kind < 19
                ? { query: { contains: pick(titleWords) }, category: pick(categories) }
                : { category: pick(categories) };
    return { id: `rule-${i}`, priority: i % 5, when, ...consequence(i) };
  });
}

function mappingsWith(rules: unknown[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rules-'));
  for (const file of fs.readdirSync('mappings', { withFileTypes: true })) {
    if (file.isFile()) fs.copyFileSync(path.join('mappings', file.name), path.join(dir, file.name));
  }
  fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify({ rules }));
  return dir;
}

const queries = Array.from({ length: SEARCHES }, () => (rand() < 0.7 ? phrase() : pick(titleWords)));

interface Measured {
  matchRules: number[];
  rulesStage: number[];
  both: number[];
  total: number[];
  fired: number;
}

async function measure(runtime: Runtime): Promise<Measured> {
  const request = (q: string): SearchRequest => ({
    q,
    filters: {},
    facets: [],
    page: 1,
    size: 10,
    sort: 'relevance',
    explain: false,
  });
  // Warm-up: JIT, SQLite page cache, the embedder.
  for (const q of queries.slice(0, 200)) await runtime.search.search(request(q));
  const out: Measured = { matchRules: [], rulesStage: [], both: [], total: [], fired: 0 };
  for (const q of queries) {
    const response = await runtime.search.search(request(q), undefined, { record: false });
    const stages = response.took.stages;
    const a = stages.match_rules ?? 0;
    const b = stages.rules ?? 0;
    out.matchRules.push(a);
    out.rulesStage.push(b);
    out.both.push(a + b);
    out.total.push(response.took.total_ms);
    if (response.merchandising) out.fired++;
  }
  return out;
}

/**
 * The rules' own work without the engine around it: deciding what the matching rules do
 * and applying it to a window of 200 candidates (the two legs' 100 each), with the
 * candidates' summaries at hand as the pipeline has them. Less exposed to the noise of a
 * shared machine than the pipeline's stage timings (no I/O, no other stages between).
 */
function measureRulesAlone(book: RuleBook, summaries: ReadonlyMap<string, ProductSummary>): number[] {
  const windows = queries.map(() => Array.from({ length: 200 }, () => ({ id: pick(ids), score: 0 })));
  const once = (i: number) => {
    const plan = planMerchandising(book, { q: queries[i]!, filters: {}, now: Date.now() });
    applyPlan(plan, windows[i]!, summaries, (id) => ({ id, score: 0 }));
  };
  for (let i = 0; i < Math.min(500, queries.length); i++) once(i);
  return queries.map((_, i) => {
    const start = performance.now();
    once(i);
    return performance.now() - start;
  });
}

async function run(rules: unknown[]): Promise<Measured & { alone: number[] }> {
  const dir = mappingsWith(rules);
  const runtime = await benchRuntime({}, { MAPPINGS_DIR: dir });
  try {
    await runtime.catalog.ingest(products);
    const loaded = (await runtime.merchandisingReport()).rules;
    if (loaded !== rules.length) throw new Error(`loaded ${loaded} rules, expected ${rules.length}`);
    const measured = await measure(runtime);
    const summaries = await runtime.backend.getSummaries(ids);
    const file = path.join(dir, 'rules.yaml');
    const book = parseMerchandisingFile('rules', { name: file, text: fs.readFileSync(file, 'utf8') });
    return { ...measured, alone: measureRulesAlone(book, summaries) };
  } finally {
    await runtime.close();
  }
}

console.error(`machine: ${machineDescription()}`);
const withRules = await run(generateRules(RULES));
const without = await run([]);
const summary = (samples: number[]) => {
  const s = latencySummary(samples);
  return `p50 ${fmt(s.p50)} ms, p95 ${fmt(s.p95)} ms, p99 ${fmt(s.p99)} ms`;
};
const result = {
  date: new Date().toISOString(),
  machine: machineDescription(),
  rules: RULES,
  searches: SEARCHES,
  searchesThatFiredRules: withRules.fired,
  matchRules: latencySummary(withRules.matchRules),
  rulesStage: latencySummary(withRules.rulesStage),
  rulesStagesTogether: latencySummary(withRules.both),
  rulesAlone: latencySummary(withRules.alone),
  searchWithRules: latencySummary(withRules.total),
  searchWithoutRules: latencySummary(without.total),
};
console.log(`${RULES} rules, ${SEARCHES} searches of the demo catalog (${withRules.fired} fired a rule)`);
console.log(`  match_rules (before retrieval):   ${summary(withRules.matchRules)}`);
console.log(`  rules (after the ranker):         ${summary(withRules.rulesStage)}`);
console.log(`  both rules stages, per search:    ${summary(withRules.both)}`);
console.log(`  rules alone (plan + apply, 200):  ${summary(withRules.alone)}`);
console.log(`  whole search with ${RULES} rules:   ${summary(withRules.total)}`);
console.log(`  whole search without rules:       ${summary(without.total)}`);
console.log(`result: ${writeResult('rules', result)}`);
