/**
 * bench:recommendations: recommendations over the 54,667 Home Depot products (titles
 * enriched with brand, category and price as `simulate --enrich-titles` does), with
 * simulated shoppers whose taste is hidden (eval/simulator/shoppers.ts).
 *
 * Each shopper engages with products of their taste (clicks, then a few carts and
 * purchases, in sessions without a user id), the recommendations job builds its lists, and
 * each shopper's home feed, the similar products of their latest product and the
 * bought-together of their latest purchase are scored against their hidden preferences:
 * hit rate@10 (a product of grade >= 2 among the 10) and precision@10, versus the
 * popularity baseline (the cold-start trending list, the same for everyone). Latency of each
 * endpoint over distinct products (cache misses), and the searches an interleaving versus
 * an A/B experiment needs to detect a ranker 5% better in simulated clicks.
 * Session personalization: each shopper also has a second session with only their first 3
 * clicks; queries from their taste are searched with the full session, the 3-event one, a
 * fresh session and `rerank=false`, scored by NDCG@10 against their hidden preferences, at
 * several profile-boost impacts (search.yaml `ranking.personalization.impact`), with the
 * human-judged NDCG@10 of the Home Depot dev queries searched with a shopper's session as
 * the relevance the boost costs.
 * The job precomputes each product's neighbours (engaged products first) within
 * `similar_budget_seconds`, set here by the second argument; products it did not reach are
 * timed separately (the per-request kNN fallback).
 *   npm run bench:recommendations -- [shoppers=400] [similar_budget_seconds=480]
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { Product } from '../src/catalog/product.ts';
import { HashingEmbedder } from '../src/embeddings/hashing-embedder.ts';
import { ndcgAt } from '../src/eval/ranking-metrics.ts';
import { preferenceNdcg } from '../src/eval/simulator/personalization-eval.ts';
import { nextQuery } from '../src/eval/simulator/queries.ts';
import { randomStream } from '../src/eval/simulator/sampling.ts';
import { createShoppers, preference, type Shopper } from '../src/eval/simulator/shoppers.ts';
import { type ShopperProduct, SimulationCatalog } from '../src/eval/simulator/simulation-catalog.ts';
import { enrichTitleOnlyProducts } from '../src/eval/simulator/title-enrichment.ts';
import { signTest, twoProportionTest } from '../src/experiments/significance.ts';
import { teamDraftInterleave } from '../src/experiments/team-draft.ts';
import {
  benchRuntime,
  fmt,
  latencySummary,
  loadDevJudgments,
  machineDescription,
  PRODUCTS_CSV,
  writeResult,
} from './homedepot.ts';

const SHOPPERS = Number(process.argv[2] ?? 400);
const SIMILAR_BUDGET_SECONDS = Number(process.argv[3] ?? 480);
const SEED = 17;
const HISTORY = 12;

interface Hit {
  id: string;
  product: ShopperProduct;
}

function score(shopper: Shopper, hits: readonly Hit[]) {
  const liked = hits.slice(0, 10).filter((h) => preference(shopper, h.product) >= 2).length;
  return { hit: liked > 0 ? 1 : 0, precision: liked / 10 };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

/** Products the shopper likes (grade >= 2), drawn from their favourite categories. */
function likedProducts(shopper: Shopper, catalog: SimulationCatalog, random: () => number): ShopperProduct[] {
  const pool = shopper.favouriteCategories.flatMap((c) => catalog.inCategory(c));
  const liked = pool.filter((p) => preference(shopper, p) >= 2);
  // Popular-ish first: shoppers converge on some products, which is what co-engagement learns.
  return liked
    .map((p) => ({ p, key: random() * (1 + (p.id.charCodeAt(p.id.length - 1) % 3)) }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.p);
}

/** Searches until a test at alpha 0.05 detects the better ranker in 80% of runs. */
function searchesToDetect(run: (searches: number, trial: number) => boolean): number {
  for (const searches of [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 102_400]) {
    let detected = 0;
    const trials = 40;
    for (let t = 0; t < trials; t++) if (run(searches, t)) detected++;
    if (detected / trials >= 0.8) return searches;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Simulated searches of 10 results: each product has an attraction; a shopper examines
 * position k with probability 1 / k^0.8 and clicks an examined product with its attraction.
 * The treatment ranker's list is the control's with the attraction of each item raised so
 * its expected clicks are 5% higher (better products moved up).
 */
function experimentSensitivity() {
  const examine = Array.from({ length: 10 }, (_, k) => 1 / (k + 1) ** 0.8);
  const makeSearch = (random: () => number) => {
    const products = Array.from({ length: 14 }, (_, i) => ({
      id: `p${i}`,
      attraction: 0.05 + 0.35 * random(),
    }));
    const control = [...products].sort((a, b) => b.attraction - a.attraction + (random() - 0.5) * 0.5);
    return { products, control };
  };
  // The treatment: the control's order with one adjacent pair fixed per search, tuned to +5% clicks.
  const expected = (list: readonly { attraction: number }[]) =>
    list.slice(0, 10).reduce((sum, p, k) => sum + examine[k]! * p.attraction, 0);
  const improve = (
    control: readonly { id: string; attraction: number }[],
    random: () => number,
    strength: number,
  ) => {
    const list = [...control];
    for (let i = 0; i < list.length - 1; i++)
      if (list[i]!.attraction < list[i + 1]!.attraction && random() < strength) {
        [list[i], list[i + 1]] = [list[i + 1]!, list[i]!];
      }
    return list;
  };
  // Calibrate the strength so the treatment's expected clicks are 5% above the control's.
  let strength = 0.5;
  for (let iteration = 0; iteration < 30; iteration++) {
    const random = randomStream(SEED, 'calibrate', iteration);
    let c = 0;
    let t = 0;
    for (let s = 0; s < 4000; s++) {
      const { control } = makeSearch(random);
      c += expected(control);
      t += expected(improve(control, random, strength));
    }
    const lift = t / c - 1;
    strength = Math.min(1, Math.max(0.01, strength * (0.05 / Math.max(lift, 1e-6)) ** 0.5));
  }
  const clicks = (list: readonly { id: string; attraction: number }[], random: () => number) =>
    list.slice(0, 10).flatMap((p, k) => (random() < examine[k]! * p.attraction ? [k + 1] : []));
  const interleaving = searchesToDetect((searches, trial) => {
    const random = randomStream(SEED, 'interleave', searches, trial);
    let wins = 0;
    let losses = 0;
    for (let s = 0; s < searches; s++) {
      const { control } = makeSearch(random);
      const treatment = improve(control, random, strength);
      const merged = teamDraftInterleave(control, treatment, 10, () => random() < 0.5);
      const credit = { control: 0, treatment: 0 };
      for (const position of clicks(
        merged.map((m) => m.item),
        random,
      ))
        credit[merged[position - 1]!.team]++;
      if (credit.treatment > credit.control) wins++;
      else if (credit.control > credit.treatment) losses++;
    }
    return wins > losses && signTest(wins, losses) < 0.05;
  });
  const ab = searchesToDetect((searches, trial) => {
    const random = randomStream(SEED, 'ab', searches, trial);
    const arms = { control: { n: 0, clicks: 0 }, treatment: { n: 0, clicks: 0 } };
    for (let s = 0; s < searches; s++) {
      const { control } = makeSearch(random);
      const arm = random() < 0.5 ? 'control' : 'treatment';
      const list = arm === 'control' ? control : improve(control, random, strength);
      arms[arm].n++;
      arms[arm].clicks += clicks(list, random).length > 0 ? 1 : 0;
    }
    const { control, treatment } = arms;
    return (
      treatment.clicks / treatment.n > control.clicks / control.n &&
      twoProportionTest(treatment.clicks, treatment.n, control.clicks, control.n) < 0.05
    );
  });
  return { strength, interleavingSearches: interleaving, abSearches: ab };
}

const pct = (value: number, base: number) =>
  `${value >= base ? '+' : ''}${fmt((100 * (value - base)) / base, 1)}%`;
const IMPACTS = [0, 0.2, 0.3, 0.4];
const TASTE_QUERIES = 2;
const JUDGED_QUERIES = 300;

interface ImpactResult {
  impact: number;
  full: number;
  three: number;
  /** The fresh session's and the fused order's pages, scored in the same pool. */
  fresh: number;
  fused: number;
  judgedWithSession: number;
  /** Share of taste queries whose 15-event session page differs from the fresh session's. */
  reordered: number;
  /** Share answered with `ranking.personalized`. */
  personalized: number;
}

/**
 * Search quality by session: taste queries of each shopper searched four ways, preference
 * NDCG@10 over the union pool (eval/simulator/personalization-eval.ts), at each impact;
 * and the judged dev queries searched with a shopper's full session vs none.
 */
async function sessionPersonalization(
  app: ReturnType<Awaited<ReturnType<typeof benchRuntime>>['createApp']>,
  shoppers: readonly Shopper[],
  history: ReadonlyMap<string, { clicked: string[] }>,
  catalog: SimulationCatalog,
  byId: ReadonlyMap<string, ShopperProduct>,
  setImpact: (impact: number) => void,
) {
  const search = async (query: Record<string, string | number>) => {
    const res = await request(app)
      .get('/v1/search')
      .query({ size: 20, ...query })
      .expect(200);
    return {
      hits: (res.body.hits as Hit[]).map((h) => ({ ...h, product: byId.get(h.id) ?? h.product })),
      personalized: res.body.ranking?.personalized === true,
      ranking: res.body.ranking,
    };
  };
  const active = shoppers.filter((s) => history.has(s.userId));
  // Each shopper's second session, with their first three clicks only: sent after the
  // recommendation lists were built and scored, so that co-engagement never sees a shopper twice.
  for (const shopper of active) {
    const session = `session-${shopper.userId}`;
    const events = history
      .get(shopper.userId)!
      .clicked.slice(0, 3)
      .map((id, i) => ({
        event_id: `${shopper.userId}-s3-${i}`,
        type: 'click',
        session_id: `${session}-3`,
        product_id: id,
        timestamp: new Date(Date.now() - (30 - i) * 60_000).toISOString(),
      }));
    await request(app).post('/v1/events').send(events).expect(200);
  }
  const queries = active.flatMap((shopper) => {
    const random = randomStream(SEED, 'session-queries', shopper.index);
    return Array.from({ length: TASTE_QUERIES }, () => ({
      shopper,
      q: nextQuery(shopper, catalog, random).q,
    }));
  });
  const judgments = loadDevJudgments(JUDGED_QUERIES);
  const judged = [...judgments.keys()];
  const judgedNdcg = async (extra: (i: number) => Record<string, string>) => {
    let sum = 0;
    for (const [i, q] of judged.entries()) {
      const hits = (await search({ q, ...extra(i) })).hits.map((h) => h.id);
      sum += ndcgAt(hits, judgments.get(q)!, 10) ?? 0;
    }
    return sum / judged.length;
  };
  // Fresh-session and fused lists do not depend on the impact: fetched once.
  const base = [];
  for (const { shopper, q } of queries)
    base.push({
      fresh: await search({ q, session_id: `fresh-${shopper.userId}` }),
      fused: await search({ q, rerank: 'false' }),
    });
  const judgedWithout = await judgedNdcg(() => ({}));
  const byImpact: ImpactResult[] = [];
  let scored = 0;
  for (const impact of IMPACTS) {
    setImpact(impact);
    // The pool (the union of the four pages) changes with the impact: every variant of an
    // impact is scored in that impact's pool.
    let full = 0;
    let three = 0;
    let fresh = 0;
    let fused = 0;
    let reordered = 0;
    let personalized = 0;
    scored = 0;
    for (const [i, { shopper, q }] of queries.entries()) {
      const session = `session-${shopper.userId}`;
      const lists = [
        await search({ q, session_id: session }),
        await search({ q, session_id: `${session}-3` }),
        base[i]!.fresh,
        base[i]!.fused,
      ];
      const ids = (list: { hits: Hit[] }) => list.hits.map((h) => h.id).join(' ');
      if (ids(lists[0]!) !== ids(base[i]!.fresh)) {
        reordered++;
      }
      if (lists[0]!.personalized) personalized++;
      const ndcg = preferenceNdcg(shopper, lists, 10);
      if (ndcg[0] === undefined) continue;
      scored++;
      full += ndcg[0]!;
      three += ndcg[1]!;
      fresh += ndcg[2]!;
      fused += ndcg[3]!;
    }
    const judgedWithSession = await judgedNdcg((i) => ({
      session_id: `session-${active[i % active.length]!.userId}`,
    }));
    byImpact.push({
      impact,
      full: full / scored,
      three: three / scored,
      fresh: fresh / scored,
      fused: fused / scored,
      judgedWithSession,
      reordered: reordered / queries.length,
      personalized: personalized / queries.length,
    });
    console.error(`impact ${impact}: done`);
  }
  return {
    queries: scored,
    judgedQueries: judged.length,
    judgedWithout,
    byImpact,
  };
}

async function main(): Promise<void> {
  const rows = parse(fs.readFileSync(PRODUCTS_CSV), { columns: true }) as {
    product_uid: string;
    title: string;
  }[];
  const enriched = enrichTitleOnlyProducts(rows.map((r) => ({ id: r.product_uid, title: r.title })));
  // The hashing embedder: the bench measures the recommendation logic and its latency, not an encoder.
  const mappingsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mappings-'));
  fs.cpSync(path.resolve('mappings'), mappingsDir, { recursive: true });
  const jobsFile = path.join(mappingsDir, 'jobs.yaml');
  fs.writeFileSync(
    jobsFile,
    fs
      .readFileSync(jobsFile, 'utf8')
      .replace(/similar_budget_seconds: \d+/, `similar_budget_seconds: ${SIMILAR_BUDGET_SECONDS}`),
  );
  const searchFile = path.join(mappingsDir, 'search.yaml');
  const searchYaml = fs.readFileSync(searchFile, 'utf8');
  const runtime = await benchRuntime(
    { embedder: new HashingEmbedder() },
    { RATE_LIMIT: 'off', MAPPINGS_DIR: mappingsDir },
  );
  const app = runtime.createApp();
  try {
    const started = performance.now();
    for (let i = 0; i < enriched.length; i += 5_000)
      await runtime.catalog.ingest(enriched.slice(i, i + 5_000), i);
    await runtime.backend.optimize();
    const products: Product[] = [];
    for await (const batch of runtime.backend.scanProducts(5_000)) products.push(...batch);
    const catalog = new SimulationCatalog(products);
    const byId = new Map(catalog.products.map((p) => [p.id, p]));
    console.error(`${products.length} products in ${((performance.now() - started) / 1000).toFixed(0)} s`);

    const shoppers = createShoppers(catalog, { count: SHOPPERS, seed: SEED, idPrefix: 'rec' });
    const history = new Map<string, { clicked: string[]; bought: string[] }>();
    const now = Date.now();
    let eventCount = 0;
    for (const shopper of shoppers) {
      const random = randomStream(SEED, 'history', shopper.index);
      const liked = likedProducts(shopper, catalog, random).slice(0, HISTORY);
      if (liked.length < 4) continue;
      const clicked = liked.map((p) => p.id);
      const bought = clicked.filter((_, i) => i % 4 === 1);
      history.set(shopper.userId, { clicked, bought });
      const session = `session-${shopper.userId}`;
      const events = [
        ...clicked.map((id, i) => ({ type: 'click', product_id: id, minutes: 600 - i * 10 })),
        ...bought.map((id, i) => ({ type: 'purchase', product_id: id, minutes: 300 - i })),
      ].map((e, i) => ({
        event_id: `${shopper.userId}-${i}`,
        type: e.type,
        session_id: session,
        product_id: e.product_id,
        timestamp: new Date(now - e.minutes * 60_000).toISOString(),
      }));
      eventCount += events.length;
      await request(app).post('/v1/events').send(events).expect(200);
    }
    const job = await runtime.jobs.runner.run('recommendations', 'cli');
    console.error(
      `${eventCount} events from ${history.size} shoppers; job: ${job.summary} (${job.durationSeconds} s)`,
    );

    const popular = (await request(app).get('/v1/trending').query({ size: 10 }).expect(200)).body
      .hits as Hit[];
    const results = {
      feed: [] as number[][],
      popular: [] as number[][],
      similar: [] as number[][],
      bought: [] as number[][],
    };
    const latency = {
      feed: [] as number[],
      similar: [] as number[],
      bought: [] as number[],
      trending: [] as number[],
      similar_not_listed: [] as number[],
    };
    const timed = async (list: number[], path: string, query: Record<string, string | number>) => {
      // The service's own time (took.total_ms), without supertest's HTTP round trip.
      const res = await request(app).get(path).query(query).expect(200);
      list.push(res.body.took.total_ms);
      return res.body.hits as Hit[];
    };
    const withProducts = (hits: Hit[]) => hits.map((h) => ({ ...h, product: byId.get(h.id) ?? h.product }));
    for (const shopper of shoppers) {
      const seen = history.get(shopper.userId);
      if (!seen) continue;
      const session = `session-${shopper.userId}`;
      const feed = withProducts(await timed(latency.feed, '/v1/recommendations', { session_id: session }));
      const pop = withProducts(popular);
      const last = seen.clicked.at(-1)!;
      const similar = withProducts(await timed(latency.similar, `/v1/products/${last}/similar`, {}));
      const lastBought = seen.bought.at(-1) ?? last;
      const bought = withProducts(
        await timed(latency.bought, `/v1/products/${lastBought}/bought-together`, {}),
      );
      const s = (hits: Hit[]) => {
        const r = score(shopper, hits);
        return [r.hit, r.precision];
      };
      results.feed.push(s(feed));
      results.popular.push(s(pop));
      results.similar.push(s(similar));
      results.bought.push(s(bought));
    }
    const categories = catalog.categoryPaths().slice(0, 200);
    for (const category of categories) await timed(latency.trending, '/v1/trending', { category });
    // Products the job's neighbour pass did not reach (its time budget): the per-request kNN.
    const unlisted: string[] = [];
    for (let i = products.length - 1; i >= 0 && unlisted.length < 100; i -= 37) {
      const id = products[i]!.id;
      if (!(await runtime.eventStore.engagementLists('similar', [id])).has(id)) unlisted.push(id);
    }
    for (const id of unlisted) await timed(latency.similar_not_listed, `/v1/products/${id}/similar`, {});

    const sessions = await sessionPersonalization(app, shoppers, history, catalog, byId, (impact) => {
      fs.writeFileSync(searchFile, searchYaml.replace(/impact: [\d.]+/, `impact: ${impact}`));
      const error = runtime.mappings.reload();
      if (error) throw new Error(String(error));
    });

    const summary = (rows: number[][]) => ({
      hit_rate10: mean(rows.map((r) => r[0]!)),
      precision10: mean(rows.map((r) => r[1]!)),
    });
    const quality = {
      feed: summary(results.feed),
      popularity_baseline: summary(results.popular),
      similar: summary(results.similar),
      bought_together: summary(results.bought),
    };
    const latencies = Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, latencySummary(v)]));
    const sensitivity = experimentSensitivity();
    const result = {
      date: new Date().toISOString(),
      machine: machineDescription(),
      load_average: os.loadavg(),
      job: { seconds: job.durationSeconds, counts: job.counts, summary: job.summary },
      products: products.length,
      shoppers: history.size,
      events: eventCount,
      quality,
      feed_vs_popularity: {
        hit_rate: quality.feed.hit_rate10 / Math.max(1e-9, quality.popularity_baseline.hit_rate10),
        precision: quality.feed.precision10 / Math.max(1e-9, quality.popularity_baseline.precision10),
      },
      latency_ms: latencies,
      experiments: sensitivity,
      session_personalization: sessions,
    };
    console.error(`written to ${writeResult('recommendations', result)}`);
    for (const [name, q] of Object.entries(quality))
      console.log(`${name.padEnd(20)} hit rate@10 ${fmt(q.hit_rate10)}  precision@10 ${fmt(q.precision10)}`);
    console.log(
      `feed / popularity: hit rate ${fmt(result.feed_vs_popularity.hit_rate, 2)}x, precision ${fmt(result.feed_vs_popularity.precision, 2)}x`,
    );
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const [name, l] of Object.entries(latencies))
      console.log(
        `${name.padEnd(18)} (${latency[name as keyof typeof latency].length}) p50 ${fmt(l.p50, 2)} ms  p95 ${fmt(l.p95, 2)} ms  p99 ${fmt(l.p99, 2)} ms`,
      );
    console.log(
      `\nsession personalization (${sessions.queries} taste queries, ${sessions.judgedQueries} judged queries)`,
    );
    for (const r of sessions.byImpact)
      console.log(
        `impact ${r.impact}: preference NDCG@10 15 events ${fmt(r.full)} (${pct(r.full, r.fresh)}), 3 events ${fmt(r.three)} (${pct(r.three, r.fresh)}), fresh ${fmt(r.fresh)}, fused ${fmt(r.fused)}; judged NDCG@10 with a session ${fmt(r.judgedWithSession)} vs ${fmt(sessions.judgedWithout)} (${pct(r.judgedWithSession, sessions.judgedWithout)}); pages reordered ${fmt(100 * r.reordered, 1)}%, personalized ${fmt(100 * r.personalized, 1)}%`,
      );
    console.log(
      `searches to detect a 5%-better ranker (80% power, alpha 0.05): interleaving ${sensitivity.interleavingSearches}, A/B ${sensitivity.abSearches}`,
    );
  } finally {
    await runtime.close();
  }
}

await main();
