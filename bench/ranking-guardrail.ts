/**
 * The event-trained half of bench:ranking (issue 11): can a ranker trained on shoppers'
 * clicks make search worse for anyone on judged data?
 *
 * Simulated shoppers search the 54,667 Home Depot products (titles only; brand, category
 * and price derived from the titles) through the HTTP API; a share of their searches are
 * the dev judgment queries, the rest come from their own taste. Their clicks follow the
 * true relevance (the human judgments, unjudged products a low default), their taste,
 * complements and noise (src/eval/simulator/click-model.ts). The shop's judgment lists,
 * which the gate picks up from the mappings folder, are half of the judged queries; the
 * other half is what the anonymous searches are scored on. The ranker is trained and
 * gated exactly as the nightly `retrain` job does (retrainGateOptions), except that the
 * shadow phase is skipped (its own tests cover it) and more searches are randomized than
 * a shop would (so a short run holds enough intervention clicks to measure position bias).
 *
 * Reported: human-judged NDCG@10 of anonymous searches on the evaluation half (fused order,
 * what serves after the gate, and the model forced on them ungated), preference NDCG@10 of
 * shoppers with history vs the unpersonalized ranking, the examination propensities vs the
 * simulator's truth per rank, and the gate's decision on runs whose clicks are pure noise or
 * follow popularity alone.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ProductInput } from '../src/catalog/product.ts';
import type { Embedder } from '../src/embeddings/embedder.ts';
import type { Judgments } from '../src/eval/judgments.ts';
import { type RankingQuality, scoreRankings } from '../src/eval/ranking-metrics.ts';
import { SearchApiClient } from '../src/eval/simulator/api-client.ts';
import {
  type ClickModelParameters,
  DEFAULT_CLICK_MODEL,
  examinationProbability,
} from '../src/eval/simulator/click-model.ts';
import {
  evaluatePersonalization,
  type PersonalizationReport,
} from '../src/eval/simulator/personalization-eval.ts';
import { judgedRelevance } from '../src/eval/simulator/relevance.ts';
import { SimulationCatalog } from '../src/eval/simulator/simulation-catalog.ts';
import { enrichTitleOnlyProducts } from '../src/eval/simulator/title-enrichment.ts';
import { DEFAULT_TRAFFIC, simulateTraffic, type TrafficReport } from '../src/eval/simulator/traffic.ts';
import { retrainGateOptions } from '../src/jobs/maintenance-jobs.ts';
import type { Runtime } from '../src/main/runtime.ts';
import type { RankerMetadata } from '../src/ranking/ranker-model.ts';
import { rerankWindow, servingOrder } from '../src/ranking/serving-order.ts';
import { type RankerTrainingOutcome, trainRankerFrom } from '../src/ranking/training/ranker-training.ts';
import { isHeldOut } from '../src/ranking/training/training-lists.ts';
import { impressionsWithActions } from '../src/users/event-store.ts';
import { benchRuntime, PRODUCTS_CSV, searchRequest } from './homedepot.ts';

export interface GuardrailBenchOptions {
  embedder: Embedder;
  judgments: Judgments;
  /** Shoppers of the main run, and of each degenerate (noise, popularity) run. */
  shoppers: number;
  degenerateShoppers: number;
  sessionsPerShopper: number;
  queriesPerSession: number;
  /** Share of searches that are one of the judged queries. */
  judgedShare: number;
  /** Share of shoppers who never sign in. */
  anonymousShare: number;
  /** Share of searches randomized for the position-bias estimate (search.yaml ranking.randomization.share). */
  randomizedShare: number;
  evalQueriesPerShopper: number;
  epochs?: number;
  seed: number;
  log: (line: string) => void;
}

export interface GateSummary {
  version: string;
  status: RankerTrainingOutcome['status'];
  decision: string;
  serve: RankerMetadata['serve'];
  gate: RankerMetadata['gate'];
  lists: { train: number; heldOut: number };
}

export interface ScenarioResult {
  clicks: ClickModelParameters['clicks'];
  traffic: Pick<TrafficReport, 'shoppers' | 'searches' | 'events' | 'ctrByPosition'>;
  trafficSeconds: number;
  model: GateSummary;
}

export interface GuardrailBenchResult {
  products: number;
  judgedQueries: { shop: number; evaluation: number };
  main: ScenarioResult;
  /** Anonymous searches of the evaluation half, scored on the human judgments. */
  anonymous: { fused: RankingQuality; served: RankingQuality; ungated: RankingQuality };
  /** Examination propensity per rank 1-10: estimated, the simulator's truth, |difference|. */
  propensities: { rank: number; estimated: number; truth: number; error: number }[];
  propensityMethod: string;
  personalization: PersonalizationReport & { promotedForEvaluation: boolean };
  /**
   * The same evaluation with the model forced to serve both segments whatever its gate
   * said: whether the personal features carry signal at all, apart from the gate.
   */
  personalizationForced: PersonalizationReport;
  /** What the randomized share cost its shoppers: clicks per first page, randomized or not. */
  randomizationCost: { randomized: number; plain: number; clicksRandomized: number; clicksPlain: number };
  degenerate: ScenarioResult[];
}

function enrichedCatalog(): ProductInput[] {
  const rows = parse(fs.readFileSync(PRODUCTS_CSV), { columns: true }) as {
    product_uid: string;
    title: string;
  }[];
  return enrichTitleOnlyProducts(rows.map((r) => ({ id: r.product_uid, title: r.title })));
}

function judgmentsCsv(judgments: Judgments): string {
  const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;
  const lines = ['query,product_uid,relevance'];
  for (const [q, products] of judgments) {
    for (const [id, grade] of products) lines.push(`${quote(q)},${quote(id)},${grade}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The project's mappings with the shop's judgment lists added and the bench's randomization and shadow settings. */
const SHARE = /(randomization:[^\n]*\n\s*share:\s*)[0-9.]+/;

/** Sets the randomized share of the mappings a bench runs on. */
function writeRandomizedShare(mappingsDir: string, share: number): void {
  const file = path.join(mappingsDir, 'search.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(SHARE, `$1${share}`));
}

/** The share the shipped mappings/search.yaml randomizes. */
function shippedRandomizedShare(): number {
  const match = fs.readFileSync(path.resolve('mappings/search.yaml'), 'utf8').match(SHARE);
  if (!match) throw new Error('mappings/search.yaml: ranking.randomization.share not found');
  return Number(match[0].slice(match[1]!.length));
}

function benchMappings(shopJudgments: Judgments, randomizedShare: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-guardrail-mappings-'));
  fs.cpSync(path.resolve('mappings'), dir, { recursive: true });
  const searchYaml = path.join(dir, 'search.yaml');
  const yaml = fs.readFileSync(searchYaml, 'utf8');
  const edited = yaml
    .replace(SHARE, `$1${randomizedShare}`)
    .replace(/(shadow:[^\n]*\n\s*searches:\s*)[0-9]+/, '$10');
  if (edited === yaml)
    throw new Error('search.yaml: ranking.randomization.share / shadow.searches not found');
  fs.writeFileSync(searchYaml, edited);
  fs.writeFileSync(path.join(dir, 'judgments.csv'), judgmentsCsv(shopJudgments));
  return dir;
}

interface Scenario {
  runtime: Runtime;
  baseUrl: string;
  catalog: SimulationCatalog;
  result: ScenarioResult;
  outcome: RankerTrainingOutcome;
  signedIn: Awaited<ReturnType<typeof simulateTraffic>>['signedIn'];
  close(): Promise<void>;
}

async function runScenario(
  options: GuardrailBenchOptions,
  products: readonly ProductInput[],
  mappingsDir: string,
  clicks: ClickModelParameters['clicks'],
  shoppers: number,
): Promise<Scenario> {
  const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-guardrail-models-'));
  const runtime = await benchRuntime(
    { embedder: options.embedder },
    { MODELS_DIR: modelsDir, MAPPINGS_DIR: mappingsDir },
  );
  const server = runtime.createApp().listen(0, '127.0.0.1');
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await runtime.close();
  };
  try {
    for (let i = 0; i < products.length; i += 5_000) {
      const report = await runtime.catalog.ingest(products.slice(i, i + 5_000), i);
      if (report.rejected > 0) throw new Error(`rejected: ${JSON.stringify(report.errors.slice(0, 3))}`);
    }
    await runtime.backend.optimize();
    const scanned = [];
    for await (const batch of runtime.backend.scanProducts(5_000)) scanned.push(...batch);
    const catalog = new SimulationCatalog(scanned);
    await new Promise((resolve) => server.once('listening', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const started = performance.now();
    const traffic = await simulateTraffic({
      ...DEFAULT_TRAFFIC,
      baseUrl,
      catalog,
      shoppers,
      sessionsPerShopper: options.sessionsPerShopper,
      queriesPerSession: options.queriesPerSession,
      anonymousShare: options.anonymousShare,
      seed: options.seed,
      idPrefix: `${clicks}-shopper`,
      clickModel: { ...DEFAULT_CLICK_MODEL, clicks },
      relevance: judgedRelevance(options.judgments),
      queryPool: { queries: [...options.judgments.keys()], share: options.judgedShare },
    });
    const trafficSeconds = (performance.now() - started) / 1000;
    options.log(
      `guardrail (${clicks} clicks): ${traffic.report.searches} searches in ${trafficSeconds.toFixed(0)} s, ` +
        `${traffic.report.events.click} clicks`,
    );

    // What the nightly retrain job does, from jobs.yaml and the mappings folder's judgments.
    const settings = runtime.mappings.current;
    const guard = retrainGateOptions(
      settings.jobs.jobs.retrain,
      settings.search,
      runtime.config.mappingsDir,
      (q, userHashes) => runtime.search.candidates(q, userHashes),
    );
    const report = await trainRankerFrom(
      { events: runtime.eventStore, since: 0 },
      {
        registry: runtime.rankers,
        promote: 'auto',
        logger: runtime.logger,
        ...guard,
        training: {
          ...guard.training,
          epochs: options.epochs ?? settings.jobs.jobs.retrain.epochs,
          learningRate: settings.jobs.jobs.retrain.learning_rate,
        },
      },
    );
    const outcome = report.outcome;
    if (!outcome) throw new Error(`guardrail (${clicks} clicks): not trained: ${report.notTrained}`);
    options.log(`guardrail (${clicks} clicks): ${outcome.status}: ${outcome.decision}`);
    runtime.reranker.load();
    const { metadata } = outcome;
    return {
      runtime,
      baseUrl,
      catalog,
      outcome,
      signedIn: traffic.signedIn,
      close,
      result: {
        clicks,
        traffic: {
          shoppers: traffic.report.shoppers,
          searches: traffic.report.searches,
          events: traffic.report.events,
          ctrByPosition: traffic.report.ctrByPosition,
        },
        trafficSeconds,
        model: {
          version: metadata.version,
          status: outcome.status,
          decision: outcome.decision,
          serve: metadata.serve,
          gate: metadata.gate,
          lists: { train: report.train, heldOut: report.heldOut },
        },
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Anonymous searches scored on the judgments: fused order, served order, and the model forced on them. */
async function anonymousQuality(runtime: Runtime, judgments: Judgments, version: string) {
  const model = runtime.rankers.load(version);
  const fused = new Map<string, string[]>();
  const served = new Map<string, string[]>();
  const ungated = new Map<string, string[]>();
  for (const q of judgments.keys()) {
    const plain = await runtime.search.search({ ...searchRequest(q, 100), rerank: false });
    fused.set(
      q,
      plain.hits.map((h) => h.id),
    );
    const live = await runtime.search.search(searchRequest(q, 100));
    served.set(
      q,
      live.hits.map((h) => h.id),
    );
    const { ids, features, count } = await runtime.search.candidates(q);
    const window = rerankWindow(model.metadata.training.max_position, count);
    const { order } = servingOrder(model, features, count, window);
    ungated.set(q, [...order.map((i) => ids[i]!), ...ids.slice(count)]);
  }
  return {
    fused: scoreRankings(fused, judgments),
    served: scoreRankings(served, judgments),
    ungated: scoreRankings(ungated, judgments),
  };
}

/** Clicks per logged first page, in the randomized share and outside it. */
async function randomizationCost(runtime: Runtime): Promise<GuardrailBenchResult['randomizationCost']> {
  const cost = { randomized: 0, plain: 0, clicksRandomized: 0, clicksPlain: 0 };
  for await (const page of impressionsWithActions(runtime.eventStore, 0)) {
    for (const { impression, actions } of page) {
      let clicks = 0;
      for (const types of actions.values()) if (types.includes('click')) clicks++;
      if (impression.intervention) {
        cost.randomized++;
        cost.clicksRandomized += clicks;
      } else {
        cost.plain++;
        cost.clicksPlain += clicks;
      }
    }
  }
  return cost;
}

export async function benchGuardrail(options: GuardrailBenchOptions): Promise<GuardrailBenchResult> {
  const shop = new Map(
    [...options.judgments].filter(([q]) => !isHeldOut(q.trim().toLowerCase(), 0.5, 'shop')),
  );
  const evaluation = new Map(
    [...options.judgments].filter(([q]) => isHeldOut(q.trim().toLowerCase(), 0.5, 'shop')),
  );
  const products = enrichedCatalog();
  const mappingsDir = benchMappings(shop, options.randomizedShare);
  options.log(
    `guardrail: ${shop.size} judged queries for the shop's gate, ${evaluation.size} for evaluation`,
  );

  const main = await runScenario(options, products, mappingsDir, 'relevance', options.shoppers);
  let anonymous: GuardrailBenchResult['anonymous'];
  let personalization: GuardrailBenchResult['personalization'];
  let personalizationForced: GuardrailBenchResult['personalizationForced'];
  let cost: GuardrailBenchResult['randomizationCost'];
  let propensities: GuardrailBenchResult['propensities'];
  let propensityMethod: string;
  try {
    const { metadata } = main.outcome;
    // The traffic randomized the bench's larger share, to collect enough interventions in a
    // few thousand searches; what shoppers are served is measured at the shipped share.
    writeRandomizedShare(mappingsDir, shippedRandomizedShare());
    const reloadError = main.runtime.mappings.reload();
    if (reloadError) throw new Error(String(reloadError));
    anonymous = await anonymousQuality(main.runtime, evaluation, metadata.version);
    const estimated = metadata.training.position_propensity ?? [];
    propensities = Array.from({ length: 10 }, (_, i) => {
      const truth = examinationProbability(i + 1, DEFAULT_CLICK_MODEL.eta);
      const value = estimated[i] ?? Number.NaN;
      return { rank: i + 1, estimated: value, truth, error: Math.abs(value - truth) };
    });
    propensityMethod = metadata.training.propensity?.method ?? 'unknown';
    // Preference NDCG is measured with the model serving whatever the gate said (and said so).
    const promotedForEvaluation = main.outcome.status !== 'promoted';
    if (promotedForEvaluation) main.runtime.rankers.promote(metadata.version);
    main.runtime.reranker.load();
    const report = await evaluatePersonalization({
      search: new SearchApiClient(main.baseUrl).search,
      catalog: main.catalog,
      shoppers: main.signedIn,
      queriesPerShopper: options.evalQueriesPerShopper,
      seed: options.seed + 1,
    });
    personalization = { ...report, promotedForEvaluation };
    // Forced: the loaded model serves every segment (in this process only; its files are untouched).
    const active = main.runtime.reranker.active;
    if (active) (active.metadata as { serve?: RankerMetadata['serve'] }).serve = undefined;
    personalizationForced = await evaluatePersonalization({
      search: new SearchApiClient(main.baseUrl).search,
      catalog: main.catalog,
      shoppers: main.signedIn,
      queriesPerShopper: options.evalQueriesPerShopper,
      seed: options.seed + 1,
    });
    cost = await randomizationCost(main.runtime);
    options.log(
      `guardrail: ${JSON.stringify({ anonymous, propensities, personalization, personalizationForced, cost })}`,
    );
  } finally {
    await main.close();
    writeRandomizedShare(mappingsDir, options.randomizedShare);
  }

  const degenerate: ScenarioResult[] = [];
  for (const clicks of ['noise', 'popularity'] as const) {
    const run = await runScenario(options, products, mappingsDir, clicks, options.degenerateShoppers);
    await run.close();
    degenerate.push(run.result);
  }
  return {
    products: products.length,
    judgedQueries: { shop: shop.size, evaluation: evaluation.size },
    main: main.result,
    anonymous,
    propensities,
    propensityMethod,
    personalization,
    personalizationForced,
    randomizationCost: cost,
    degenerate,
  };
}
