/**
 * npm run bench:ranking: the learning-to-rank model on the Home Depot data, in one run.
 * - Relevance: train on the judgment lists of 80% of the dev queries, evaluate on the
 *   other 20% (split by a hash of the query text), scored as ../shared/data/README.md
 *   says: hybrid without reranking vs reranked.
 * - Clicks (bench/ranking-guardrail.ts, issue 11): simulated shoppers over the whole
 *   catalog whose clicks follow the human judgments, their taste, complements and noise; a
 *   ranker trained and gated as the retrain job does; anonymous searches' judged NDCG@10
 *   before and after it, shoppers' preference NDCG@10, position-bias estimates against the
 *   truth, and the gate on pure-noise and popularity-only clicks.
 * - Cost: rerank and feature stages for K = 100, events ingested per second over HTTP,
 *   training time per epoch and the TensorFlow.js backend that ran.
 *   npm run bench:ranking -- --quick                 a small run of the click half only
 *   npm run bench:ranking -- --skip-judgment-lists   the click half at full size
 *   npm run bench:ranking -- --embedder hashing      no encoder to train first
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Embedder } from '../src/embeddings/embedder.ts';
import { HashingEmbedder } from '../src/embeddings/hashing-embedder.ts';
import type { Judgments } from '../src/eval/judgments.ts';
import { scoreRankings } from '../src/eval/ranking-metrics.ts';
import type { Runtime } from '../src/main/runtime.ts';
import { trainRankerFrom } from '../src/ranking/training/ranker-training.ts';
import { isHeldOut } from '../src/ranking/training/training-lists.ts';
import {
  benchRuntime,
  fmt,
  homeDepotEncoder,
  ingestHomeDepot,
  latencySummary,
  loadDevJudgments,
  machineDescription,
  searchRequest,
  writeResult,
} from './homedepot.ts';
import { benchGuardrail, type GuardrailBenchResult } from './ranking-guardrail.ts';

const { values: args } = parseArgs({
  options: {
    queries: { type: 'string' },
    epochs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    embedder: { type: 'string', default: 'encoder' },
    shoppers: { type: 'string' },
    sessions: { type: 'string' },
    'judged-queries': { type: 'string' },
    'skip-judgment-lists': { type: 'boolean', default: false },
    'skip-clicks': { type: 'boolean', default: false },
    'randomized-share': { type: 'string' },
  },
});
const quick = args.quick;
/** The click half's size: --quick is a few minutes, the default what docs/benchmarks.md records. */
const clickRun = {
  shoppers: Number(args.shoppers ?? (quick ? 80 : 150)),
  sessions: Number(args.sessions ?? (quick ? 4 : 7)),
  judgedQueries: Number(args['judged-queries'] ?? (quick ? 300 : 800)),
};
if (args.embedder !== 'encoder' && args.embedder !== 'hashing')
  throw new Error(`--embedder: encoder or hashing, not ${args.embedder}`);

async function rankingsOf(runtime: Runtime, judgments: Judgments, rerank: boolean) {
  const rankings = new Map<string, string[]>();
  const stages = { features: [] as number[], rerank: [] as number[] };
  for (const q of judgments.keys()) {
    const response = await runtime.search.search({ ...searchRequest(q, 100), rerank });
    rankings.set(
      q,
      response.hits.map((h) => h.id),
    );
    if (response.took.stages.features !== undefined) stages.features.push(response.took.stages.features);
    if (response.took.stages.rerank !== undefined) stages.rerank.push(response.took.stages.rerank);
  }
  return { quality: scoreRankings(rankings, judgments), stages };
}

/** Events/s through POST /v1/events, in batches of 1,000 (clicks and purchases on real ids). */
async function eventThroughput(
  runtime: Runtime,
  productIds: readonly string[],
  total: number,
): Promise<number> {
  const server = runtime.createApp().listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
  const started = performance.now();
  for (let sent = 0; sent < total; sent += 1000) {
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      event_id: `bench-${sent + i}`,
      type: i % 10 === 0 ? 'purchase' : 'click',
      user_id: `shopper-${(sent + i) % 2000}`,
      product_id: productIds[(sent * 7 + i * 13) % productIds.length]!,
      position: 1 + (i % 20),
      timestamp: new Date(Date.UTC(2026, 10, 1) + (sent + i) * 1000).toISOString(),
    }));
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    if (res.status !== 200) throw new Error(`events: HTTP ${res.status} ${await res.text()}`);
  }
  const perSecond = total / ((performance.now() - started) / 1000);
  server.close();
  return perSecond;
}

const judgments = loadDevJudgments(args.queries ? Number(args.queries) : undefined);
const train = new Map([...judgments].filter(([q]) => !isHeldOut(q.trim().toLowerCase())));
const heldOut = new Map([...judgments].filter(([q]) => isHeldOut(q.trim().toLowerCase())));
const skipJudgmentLists = quick || args['skip-judgment-lists'];
console.error(`machine: ${machineDescription()}`);

const embedder: Embedder =
  args.embedder === 'hashing' ? new HashingEmbedder() : (await homeDepotEncoder(false)).encoder;
const change = (value: number) => `${value >= 0 ? '+' : ''}${fmt(100 * value, 1)}%`;

/** Section 1: a ranker trained on judgment lists, and the serving cost. */
async function judgmentLists() {
  console.error(`${train.size} training and ${heldOut.size} held-out queries`);
  const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rankers-'));
  const runtime = await benchRuntime({ embedder }, { MODELS_DIR: modelsDir });
  const ingest = await ingestHomeDepot(runtime);
  console.error(`ingested ${ingest.products} products`);
  const before = await rankingsOf(runtime, heldOut, false);
  const listsStarted = performance.now();
  let listSeconds = 0;
  const report = await trainRankerFrom(
    {
      judgments: train,
      candidates: (q) => runtime.search.candidates(q),
      onQuery: (done, total) => {
        if (done === total) listSeconds = (performance.now() - listsStarted) / 1000;
      },
    },
    {
      registry: runtime.rankers,
      promote: 'auto',
      logger: runtime.logger,
      split: { share: 0.1, salt: 'validation' },
      training: {
        ...(args.epochs && { epochs: Number(args.epochs) }),
        onEpoch: ({ epoch, loss, heldoutNdcg, seconds }) =>
          console.error(
            `epoch ${epoch}: loss ${fmt(loss, 4)}, validation NDCG@10 ${fmt(heldoutNdcg, 4)}, ${fmt(seconds, 1)} s`,
          ),
      },
    },
  );
  const outcome = report.outcome!;
  runtime.reranker.load();
  const after = await rankingsOf(runtime, heldOut, true);
  const productIds = [...new Set([...judgments.values()].flatMap((r) => [...r.keys()]))];
  const eventsPerSecond = await eventThroughput(runtime, productIds, 50_000);
  await runtime.close();
  const meta = outcome.metadata;
  return {
    queries: { train: train.size, held_out: heldOut.size },
    lists: { train: report.train, validation: report.heldOut, seconds: listSeconds },
    model: {
      version: meta.version,
      promoted: outcome.promoted,
      decision: outcome.decision,
      hidden: meta.hidden,
    },
    training: {
      tensorflow: meta.tensorflow,
      seconds: meta.training.seconds,
      epochs: meta.training.epochs,
      best_epoch: meta.training.best_epoch,
      seconds_per_epoch: meta.training.seconds / Math.max(1, meta.training.epochs),
    },
    held_out: { hybrid: before.quality, reranked: after.quality },
    latency_ms: {
      features: latencySummary(after.stages.features),
      rerank: latencySummary(after.stages.rerank),
    },
    events_per_second: eventsPerSecond,
  };
}

function printJudgmentLists(r: Awaited<ReturnType<typeof judgmentLists>>) {
  console.log(
    `Judgment lists: ${r.queries.train} training queries (${r.lists.train} lists, ${r.lists.validation} for early stopping), ` +
      `${r.queries.held_out} held-out queries. Model ${r.model.version} (MLP ${r.model.hidden.join('-')}), ${r.model.decision}.\n`,
  );
  console.log('| held-out queries (README scoring) | NDCG@10 | Recall@100 |\n|---|---|---|');
  console.log(
    `| hybrid, no reranking | ${fmt(r.held_out.hybrid.ndcg10)} | ${fmt(r.held_out.hybrid.recall100)} |`,
  );
  console.log(
    `| hybrid + LTR rerank (K = 100) | ${fmt(r.held_out.reranked.ndcg10)} | ${fmt(r.held_out.reranked.recall100)} |`,
  );
  console.log('\n| cost | value |\n|---|---|');
  console.log(
    `| training | ${fmt(r.training.seconds, 1)} s, ${r.training.epochs} epochs (${fmt(r.training.seconds_per_epoch, 2)} s/epoch), ` +
      `tfjs backend ${r.training.tensorflow.backend} (${r.training.tensorflow.provider}) |`,
  );
  console.log(
    `| judgment lists built | ${r.lists.train + r.lists.validation} in ${fmt(r.lists.seconds, 0)} s |`,
  );
  const { rerank, features } = r.latency_ms;
  console.log(
    `| rerank stage, K = 100, p50 / p95 / p99 | ${fmt(rerank.p50, 3)} / ${fmt(rerank.p95, 3)} / ${fmt(rerank.p99, 3)} ms |`,
  );
  console.log(
    `| feature stage, K = 100, p50 / p95 / p99 | ${fmt(features.p50, 2)} / ${fmt(features.p95, 2)} / ${fmt(features.p99, 2)} ms |`,
  );
  console.log(`| events ingested over HTTP, batches of 1,000 | ${fmt(r.events_per_second, 0)} events/s |`);
}

function segmentLine(
  model: GuardrailBenchResult['main']['model'],
  segment: 'with_history' | 'without_history',
) {
  const decision = model.gate?.segments[segment];
  if (!decision) return 'no gate report';
  const c = decision.checks;
  const parts = [
    c.clicks &&
      `clicks ${fmt(c.clicks.ndcg10)} vs ${fmt(c.clicks.ndcg10_fused)} (lower bound ${fmt(c.clicks.improvement_lower_bound, 4)}, ${c.clicks.lists} lists)`,
    c.judgments &&
      `judgments ${fmt(c.judgments.ndcg10)} vs ${fmt(c.judgments.ndcg10_fused)} (${c.judgments.queries} queries)`,
    c.fused_agreement && `RBO ${fmt(c.fused_agreement.rbo_at_10)}`,
  ].filter(Boolean);
  return `${decision.serve ? '**serves**' : '**rejected**'}: ${parts.join('; ')}`;
}

function printGuardrail(g: GuardrailBenchResult) {
  const t = g.main.traffic;
  console.log(
    `\nClicks: ${t.shoppers.total} simulated shoppers (${t.shoppers.anonymous} never signed in), ${t.searches} searches ` +
      `over ${g.products} products (${fmt(g.main.trafficSeconds, 0)} s), half of them judged queries; ${t.events.click} clicks, ` +
      `${t.events.purchase} purchases. Trained and gated as the retrain job does on ${g.main.model.lists.train} logged lists ` +
      `(${g.main.model.lists.heldOut} held out); the shop's judgments: ${g.judgedQueries.shop} queries, evaluation: ` +
      `${g.judgedQueries.evaluation} other judged queries. Gate: ${g.main.model.status}.\n`,
  );
  console.log('| gate, per segment | decision and numbers (model vs fused order) |\n|---|---|');
  console.log(`| shoppers without history | ${segmentLine(g.main.model, 'without_history')} |`);
  console.log(`| shoppers with history | ${segmentLine(g.main.model, 'with_history')} |`);
  const a = g.anonymous;
  const vs = (q: { ndcg10: number }) => change(q.ndcg10 / a.fused.ndcg10 - 1);
  console.log('\n| anonymous searches, human-judged (evaluation half) | NDCG@10 | vs fused |\n|---|---|---|');
  console.log(`| fused order (rerank=false) | ${fmt(a.fused.ndcg10)} | |`);
  console.log(
    `| served after the event-trained model's gate (shipped randomized share) | ${fmt(a.served.ndcg10)} | ${vs(a.served)} |`,
  );
  console.log(`| the model forced on them, ungated | ${fmt(a.ungated.ndcg10)} | ${vs(a.ungated)} |`);
  const e = g.personalization;
  console.log(
    `\n| preference NDCG@10 (${e.queries} queries of ${e.shoppers} shoppers${e.promotedForEvaluation ? '; model promoted by hand for this' : ''}) | NDCG@10 | vs unpersonalized |\n|---|---|---|`,
  );
  console.log(`| fused order | ${fmt(e.ndcg.fused)} | |`);
  console.log(`| unpersonalized (no user id) | ${fmt(e.ndcg.anonymous)} | |`);
  console.log(
    `| shoppers with history | ${fmt(e.ndcg.history)} | ${change(e.changeOverAnonymous.history)} |`,
  );
  console.log(
    `| new shoppers (no history) | ${fmt(e.ndcg.newShopper)} | ${change(e.changeOverAnonymous.newShopper)} |`,
  );
  const f = g.personalizationForced;
  console.log(
    `\n| preference NDCG@10, the model forced on both segments (gate ignored; ${f.queries} queries) | NDCG@10 | vs unpersonalized |\n|---|---|---|`,
  );
  console.log(`| fused order | ${fmt(f.ndcg.fused)} | |`);
  console.log(`| unpersonalized (no user id) | ${fmt(f.ndcg.anonymous)} | |`);
  console.log(
    `| shoppers with history | ${fmt(f.ndcg.history)} | ${change(f.changeOverAnonymous.history)} |`,
  );
  console.log(
    `| new shoppers (no history) | ${fmt(f.ndcg.newShopper)} | ${change(f.changeOverAnonymous.newShopper)} |`,
  );
  const c = g.randomizationCost;
  console.log(
    `\nRandomized share: ${c.randomized} of ${c.randomized + c.plain} logged searches; clicks per search ` +
      `${fmt(c.clicksRandomized / Math.max(1, c.randomized))} randomized vs ${fmt(c.clicksPlain / Math.max(1, c.plain))} plain.`,
  );
  console.log(
    `\n| rank | ${g.propensities.map((p) => p.rank).join(' | ')} |\n|---|${g.propensities.map(() => '---').join('|')}|`,
  );
  console.log(
    `| estimated (${g.propensityMethod}) | ${g.propensities.map((p) => fmt(p.estimated, 2)).join(' | ')} |`,
  );
  console.log(`| simulator truth | ${g.propensities.map((p) => fmt(p.truth, 2)).join(' | ')} |`);
  console.log(`| error | ${g.propensities.map((p) => fmt(p.error, 2)).join(' | ')} |`);
  console.log(
    '\n| degenerate clicks | searches, clicks | gate | without history | with history |\n|---|---|---|---|---|',
  );
  for (const run of g.degenerate) {
    console.log(
      `| ${run.clicks} | ${run.traffic.searches}, ${run.traffic.events.click} | ${run.model.status} | ` +
        `${segmentLine(run.model, 'without_history')} | ${segmentLine(run.model, 'with_history')} |`,
    );
  }
}

const lists = skipJudgmentLists ? undefined : await judgmentLists();
const guardrail = args['skip-clicks']
  ? undefined
  : await benchGuardrail({
      embedder,
      judgments: loadDevJudgments(clickRun.judgedQueries),
      shoppers: clickRun.shoppers,
      degenerateShoppers: Math.max(40, Math.round(clickRun.shoppers / 2)),
      sessionsPerShopper: clickRun.sessions,
      queriesPerSession: 3,
      judgedShare: 0.5,
      anonymousShare: 0.3,
      randomizedShare: Number(args['randomized-share'] ?? 0.2),
      evalQueriesPerShopper: 3,
      ...(args.epochs && { epochs: Number(args.epochs) }),
      seed: 11,
      log: (line) => console.error(line),
    });

const result = {
  date: new Date().toISOString(),
  machine: machineDescription(),
  embedder: embedder.id,
  quick,
  ...(lists && { judgment_lists: lists }),
  ...(guardrail && { clicks: guardrail }),
};
const file = writeResult(quick ? 'ranking-quick' : 'ranking', result);
console.log(
  `\n### bench:ranking (${result.date.slice(0, 10)}, ${result.machine}, embedder ${embedder.id})\n`,
);
if (lists) printJudgmentLists(lists);
if (guardrail) printGuardrail(guardrail);
console.error(`\nfull result: ${file}`);
