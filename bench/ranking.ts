/**
 * npm run bench:ranking: the learning-to-rank model on the Home Depot data, in one run.
 * - Relevance: train on the judgment lists of 80% of the dev queries, evaluate on the
 *   other 20% (split by a hash of the query text), scored as ../shared/data/README.md
 *   says: hybrid without reranking vs reranked.
 * - Personalization (bench/personalization.ts): simulated shoppers over the whole catalog,
 *   a ranker trained from their events, NDCG@10 against each shopper's own preferences.
 * - Cost: rerank and feature stages for K = 100, events ingested per second over HTTP,
 *   training time per epoch and the TensorFlow.js backend that ran.
 *   npm run bench:ranking -- --queries 2000 --shoppers 200 --skip-personalization
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
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
import { benchPersonalization } from './personalization.ts';

const { values: args } = parseArgs({
  options: {
    queries: { type: 'string' },
    epochs: { type: 'string' },
    shoppers: { type: 'string', default: '400' },
    sessions: { type: 'string', default: '10' },
    'skip-personalization': { type: 'boolean', default: false },
  },
});

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
console.error(
  `machine: ${machineDescription()}; ${train.size} training and ${heldOut.size} held-out queries`,
);

const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rankers-'));
const { encoder } = await homeDepotEncoder(false);
const runtime = await benchRuntime({ embedder: encoder }, { MODELS_DIR: modelsDir });
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

// The judgments store is done with: closed before the second catalog is built.
await runtime.close();
const personalization = args['skip-personalization']
  ? undefined
  : await benchPersonalization({
      embedder: encoder,
      shoppers: Number(args.shoppers),
      sessionsPerShopper: Number(args.sessions),
      queriesPerSession: 3,
      evalQueriesPerShopper: 5,
      seed: 11,
      training: args.epochs ? { epochs: Number(args.epochs) } : {},
      log: (line) => console.error(line),
    });

const meta = outcome.metadata;
const result = {
  date: new Date().toISOString(),
  machine: machineDescription(),
  embedder: encoder.id,
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
  personalization: personalization && {
    products: personalization.products,
    traffic: {
      shoppers: personalization.traffic.shoppers,
      searches: personalization.traffic.searches,
      events: personalization.traffic.events,
      seconds: personalization.trafficSeconds,
    },
    lists: personalization.lists,
    propensities: personalization.propensities,
    model: {
      version: personalization.outcome.metadata.version,
      promoted_by_gate: personalization.outcome.promoted,
      decision: personalization.outcome.decision,
      metrics: personalization.outcome.metadata.metrics,
      training_seconds: personalization.outcome.metadata.training.seconds,
      epochs: personalization.outcome.metadata.training.epochs,
    },
    evaluation: personalization.evaluation,
  },
};
const file = writeResult('ranking', result);

console.log(`\n### bench:ranking (${result.date.slice(0, 10)}, ${result.machine})\n`);
console.log(
  `Judgment lists: ${train.size} training queries (${report.train} lists, ${report.heldOut} for early stopping), ` +
    `${heldOut.size} held-out queries. Model ${meta.version} (MLP ${meta.hidden.join('-')}), ${outcome.decision}.\n`,
);
console.log('| held-out queries (README scoring) | NDCG@10 | Recall@100 |\n|---|---|---|');
console.log(`| hybrid, no reranking | ${fmt(before.quality.ndcg10)} | ${fmt(before.quality.recall100)} |`);
console.log(
  `| hybrid + LTR rerank (K = 100) | ${fmt(after.quality.ndcg10)} | ${fmt(after.quality.recall100)} |`,
);
console.log('\n| cost | value |\n|---|---|');
console.log(
  `| training | ${fmt(meta.training.seconds, 1)} s, ${meta.training.epochs} epochs (${fmt(result.training.seconds_per_epoch, 2)} s/epoch), ` +
    `tfjs backend ${meta.tensorflow.backend} (${meta.tensorflow.provider}) |`,
);
console.log(`| judgment lists built | ${report.train + report.heldOut} in ${fmt(listSeconds, 0)} s |`);
console.log(
  `| rerank stage, K = 100, p50 / p95 / p99 | ${fmt(result.latency_ms.rerank.p50, 3)} / ${fmt(result.latency_ms.rerank.p95, 3)} / ${fmt(result.latency_ms.rerank.p99, 3)} ms |`,
);
console.log(
  `| feature stage, K = 100, p50 / p95 / p99 | ${fmt(result.latency_ms.features.p50, 2)} / ${fmt(result.latency_ms.features.p95, 2)} / ${fmt(result.latency_ms.features.p99, 2)} ms |`,
);
console.log(`| events ingested over HTTP, batches of 1,000 | ${fmt(eventsPerSecond, 0)} events/s |`);
if (personalization) {
  const p = personalization;
  const e = p.evaluation;
  const change = (value: number) => `${value >= 0 ? '+' : ''}${fmt(100 * value, 1)}%`;
  console.log(
    `\nPersonalization: ${p.traffic.shoppers.signedIn} simulated shoppers, ${p.traffic.searches} searches over ` +
      `${p.products} products (${fmt(p.trafficSeconds, 0)} s), ${p.traffic.events.click} clicks, ` +
      `${p.traffic.events.purchase} purchases; ranker trained on ${p.lists.train} logged lists ` +
      `(${p.outcome.metadata.training.epochs} epochs, ${fmt(p.outcome.metadata.training.seconds, 0)} s); ` +
      `gate: ${p.outcome.decision}. Evaluated on ${e.queries} new queries of ${e.shoppers} shoppers (${e.skipped} skipped).\n`,
  );
  console.log(
    "| ranking served (NDCG@10 vs the shopper's own preferences) | NDCG@10 | vs unpersonalized |\n|---|---|---|",
  );
  console.log(`| retrieval's fused order (no ranker) | ${fmt(e.ndcg.fused)} | |`);
  console.log(`| unpersonalized (ranker, no user id) | ${fmt(e.ndcg.anonymous)} | |`);
  console.log(
    `| shoppers with history | ${fmt(e.ndcg.history)} | ${change(e.changeOverAnonymous.history)} |`,
  );
  console.log(
    `| new shoppers (same taste, no history) | ${fmt(e.ndcg.newShopper)} | ${change(e.changeOverAnonymous.newShopper)} |`,
  );
}
console.error(`\nfull result: ${file}`);
