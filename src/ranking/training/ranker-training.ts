/**
 * One training run end to end, the same for the CLI's `train`, the `retrain` job and the
 * benches: lists from logged events or from judgments, split into training and held-out
 * lists, a ranker fit on the first, judged per shopper segment by the gate (gate.ts: held-
 * out clicks, the shop's judgment lists, agreement with the fused order), saved as a new
 * version with the decision and every number, and, when it may serve some segment and is
 * no worse than the serving model, put in shadow (or promoted at once without a shadow
 * phase).
 */

import type { Judgments } from '../../eval/judgments.ts';
import { meanListNdcg } from '../../eval/ranking-metrics.ts';
import type { BackendPreference } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';
import type { Logger } from '../../main/logger.ts';
import type { EventStore } from '../../users/event-store.ts';
import { FEATURE_NAMES } from '../features/feature-set.ts';
import type { RankerRegistry } from '../model-registry.ts';
import { type RankerMetadata, RankerModel } from '../ranker-model.ts';
import { segmentOf } from '../serving-order.ts';
import {
  DEFAULT_GATE,
  decideSegments,
  fusedOrderScores,
  type GateReport,
  type GateSettings,
} from './gate.ts';
import type { PropensityEstimate } from './position-bias.ts';
import {
  DEFAULT_RANKER_TRAINING,
  type RankerTrainingOptions,
  type RankingList,
  trainRanker,
} from './train-ranker.ts';
import {
  isHeldOut,
  type JudgedCandidates,
  judgedListsForGate,
  type KeyedList,
  listsFromEvents,
  listsFromJudgments,
  splitLists,
} from './training-lists.ts';

export interface RankerTrainingRun {
  source: 'events' | 'judgments';
  train: readonly RankingList[];
  /** What the gate judges the model on: never seen in training, nor used to pick its epoch. */
  heldOut: readonly RankingList[];
  /** What early stopping picks the epoch on (absent: a share of `train`, VALIDATION_SHARE). */
  validation?: readonly RankingList[];
  window?: { from: string; to: string };
  propensities?: number[];
  propensity?: PropensityEstimate;
  /** How deep the logged lists go (event lists): the model reranks no deeper. */
  depth?: number;
}

export interface RankerTrainingOutcome {
  metadata: RankerMetadata;
  dir: string;
  /** Serving now (promoted at once: no shadow phase configured). */
  promoted: boolean;
  /**
   * `shadow`: passed the gate and scores live searches in shadow before it may serve;
   * `rejected`: the gate kept it from every segment (or it is worse than the serving model);
   * `saved`: saved without a promotion decision (`promote: never`).
   */
  status: 'promoted' | 'shadow' | 'rejected' | 'saved';
  /** Why, in words, with the numbers. */
  decision: string;
}

/** The shop's judgment lists for the gate, and how to run their queries through retrieval. */
export interface GateJudgments {
  judgments: Judgments;
  candidates: JudgedCandidates;
  /** Where they came from (a file or folder), for the record. */
  source: string;
}

export interface GateOptions {
  registry: RankerRegistry;
  /** `auto`: promote (or start the shadow phase) when it passes the gate; `never`: save only. */
  promote: 'auto' | 'never';
  logger?: Logger;
  tfjsBackend?: BackendPreference;
  training?: Partial<RankerTrainingOptions>;
  gate?: Partial<GateSettings>;
  /** Judged queries the gate checks every segment on (ADR 0009); absent: the shop has none. */
  judged?: GateJudgments;
  /** Live searches a model shadows before it serves; 0 or absent: it serves at once. */
  shadowSearches?: number;
}

function newVersion(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `${stamp}-${Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0')}`;
}

const SEGMENT_WORDS = { with_history: 'shoppers with history', without_history: 'shoppers without history' };

function describeSegments(report: GateReport): { served: string; refused: string } {
  const served = SEGMENTS.filter((s) => report.segments[s].serve).map((s) => SEGMENT_WORDS[s]);
  const refused = SEGMENTS.filter((s) => !report.segments[s].serve).map(
    (s) => `${SEGMENT_WORDS[s]} keep the fused order: ${report.segments[s].reasons.join('; ')}`,
  );
  return { served: served.join(' and '), refused: refused.join('. ') };
}

const SEGMENTS = ['with_history', 'without_history'] as const;

/** Held-out shoppers with history whose profiles the judged queries are replayed with. */
const JUDGED_SHOPPERS = 50;

export async function trainAndGate(
  run: RankerTrainingRun,
  options: GateOptions,
): Promise<RankerTrainingOutcome> {
  if (run.heldOut.length === 0) {
    const lists = run.train.length;
    throw new ServiceError(
      'not_enough_data',
      `${lists} result lists, none held out to evaluate a model on: too few queries`,
    );
  }
  const gateSettings: GateSettings = { ...DEFAULT_GATE, ...options.gate };
  const { fit, validation } = validationSplit(run);
  const trained = await trainRanker(fit, validation, {
    ...(options.logger && { logger: options.logger }),
    ...(options.tfjsBackend && { tfjsBackend: options.tfjsBackend }),
    ...options.training,
  });
  const model = new RankerModel(trained.layers, trained.normalization, trained.bound);
  const ndcg10 = meanListNdcg(run.heldOut, (list) => model.score(list.features, list.count));
  const ndcg10Fused = meanListNdcg(run.heldOut, fusedOrderScores);
  let previous: number | undefined;
  let serving: string | undefined;
  try {
    const current = options.registry.activeModel();
    if (current) {
      serving = current.version;
      previous = meanListNdcg(run.heldOut, (list) => current.score(list.features, list.count));
    }
  } catch (error) {
    options.logger?.warn(
      { err: error },
      'the serving model cannot be evaluated; comparing with the fused order',
    );
  }
  const judged = options.judged && {
    judgments: options.judged.judgments,
    source: options.judged.source,
    lists: await judgedListsForGate(
      options.judged.candidates,
      options.judged.judgments,
      shoppersWithHistory(run.heldOut),
      gateSettings.maxJudgedQueries,
    ),
  };
  const gate = decideSegments(
    {
      source: run.source,
      heldOut: run.heldOut,
      model,
      ...(run.depth && { maxPosition: run.depth }),
      ...(judged && { judged }),
    },
    gateSettings,
  );
  const settings = { hidden: trained.layers.slice(0, -1).map((l) => l.outputs), ...options.training };
  const metadata: RankerMetadata = {
    kind: 'ranker',
    format: 1,
    version: newVersion(),
    features: [...FEATURE_NAMES],
    normalization: trained.normalization,
    hidden: settings.hidden,
    trained_at: new Date().toISOString(),
    tensorflow: trained.tensorflow,
    training: {
      source: run.source,
      lists: run.train.length,
      items: run.train.reduce((n, l) => n + l.count, 0),
      epochs: trained.epochSeconds.length,
      best_epoch: trained.bestEpoch,
      batch_lists: options.training?.batchLists ?? DEFAULT_RANKER_TRAINING.batchLists,
      learning_rate: options.training?.learningRate ?? DEFAULT_RANKER_TRAINING.learningRate,
      loss: options.training?.loss ?? DEFAULT_RANKER_TRAINING.loss,
      seconds: trained.seconds,
      epoch_seconds: trained.epochSeconds,
      epoch_loss: trained.epochLoss,
      epoch_heldout_ndcg: trained.epochHeldoutNdcg,
      ...(run.window && { window: run.window }),
      ...(run.propensities && { position_propensity: run.propensities }),
      ...(run.propensity && {
        propensity: {
          method: run.propensity.method,
          randomized_searches: run.propensity.randomizedSearches,
          intervention_clicks: run.propensity.interventionClicks,
          depth: run.propensity.depth,
          eta: run.propensity.eta,
        },
      }),
      ...(run.depth && { max_position: run.depth }),
    },
    metrics: {
      heldout_lists: run.heldOut.length,
      ndcg10,
      ndcg10_fused: ndcg10Fused,
      ...(previous !== undefined && { ndcg10_previous: previous }),
    },
    serve: {
      shoppers_without_history: gate.segments.without_history.serve,
      shoppers_with_history: gate.segments.with_history.serve,
    },
    correction: { kind: 'bounded', bound: trained.bound },
    gate,
  };
  const dir = options.registry.save(metadata, trained.layers);
  const outcome = (status: RankerTrainingOutcome['status'], decision: string): RankerTrainingOutcome => ({
    metadata,
    dir,
    promoted: status === 'promoted',
    status,
    decision,
  });
  const { served, refused } = describeSegments(gate);
  const note = refused ? `. ${refused}` : '';
  if (options.promote === 'never')
    return outcome('saved', `saved without promotion: the gate would serve ${served || 'no one'}${note}`);
  if (!served) return outcome('rejected', `not promoted: ${refused}`);
  if (previous !== undefined && ndcg10 < previous + REPLACEMENT_MARGIN)
    return outcome(
      'rejected',
      `not promoted: held-out NDCG@10 ${ndcg10.toFixed(4)} is not ${REPLACEMENT_MARGIN} above the serving model ${serving} (${previous.toFixed(4)})`,
    );
  const against = serving
    ? `serving model ${serving} (${previous!.toFixed(4)})`
    : `fused order (${ndcg10Fused.toFixed(4)})`;
  const evidence = `held-out NDCG@10 ${ndcg10.toFixed(4)} ${serving ? '>' : '>='} ${against}`;
  const shadowSearches = options.shadowSearches ?? 0;
  if (shadowSearches > 0) {
    options.registry.startShadow(metadata.version, shadowSearches);
    return outcome(
      'shadow',
      `passed the gate for ${served} (${evidence}); scoring ${shadowSearches} live searches in shadow before it serves${note}`,
    );
  }
  options.registry.promote(metadata.version);
  return outcome('promoted', `promoted for ${served}: ${evidence}${note}`);
}

/**
 * How much better than the serving model a new one must be on the held-out lists to replace
 * it: differences below this are within the noise of a few dozen lists, and a switch of
 * serving model for no real gain only churns the results shoppers see.
 */
const REPLACEMENT_MARGIN = 0.005;

/** Share of the training lists early stopping picks the epoch on, when no validation lists are given. */
const VALIDATION_SHARE = 0.15;

/**
 * The training lists to fit and those to pick the epoch on. Early stopping on the gate's
 * held-out lists would select the luckiest epoch for exactly the lists the gate then
 * judges it on: on few or noisy lists that alone can fake a gain.
 */
function validationSplit(run: RankerTrainingRun): {
  fit: readonly RankingList[];
  validation: readonly RankingList[];
} {
  if (run.validation) return { fit: run.train, validation: run.validation };
  const keyed = run.train.every((list) => 'key' in list);
  const fit: RankingList[] = [];
  const validation: RankingList[] = [];
  run.train.forEach((list, i) => {
    const held = keyed
      ? isHeldOut((list as KeyedList).key, VALIDATION_SHARE, 'validation')
      : i % Math.round(1 / VALIDATION_SHARE) === 0;
    (held ? validation : fit).push(list);
  });
  return validation.length > 0 && fit.length > 0
    ? { fit, validation }
    : { fit: run.train, validation: run.train };
}

/** Distinct shoppers with history among the held-out lists, at most JUDGED_SHOPPERS of them. */
function shoppersWithHistory(lists: readonly RankingList[]): string[] {
  const hashes = new Set<string>();
  for (const list of lists) {
    if (hashes.size >= JUDGED_SHOPPERS) break;
    if (list.userHash && segmentOf(list.features) === 'with_history') hashes.add(list.userHash);
  }
  return [...hashes];
}

export type TrainingSource =
  | { events: EventStore; since: number }
  | { judgments: Judgments; candidates: JudgedCandidates; onQuery?: (done: number, total: number) => void };

export interface TrainFromOptions extends GateOptions {
  /** Fewer lists with a positive label (a click, a relevant judged product) than this: no training (default 1). */
  minLabelled?: number;
  /** The held-out split: its share of the lists and its salt (default 0.2, unsalted). */
  split?: { share: number; salt?: string };
}

export interface TrainingReport {
  /** Logged searches read (events). */
  impressions?: number;
  /** Lists with a positive label. */
  labelled: number;
  train: number;
  heldOut: number;
  /** Absent when there was too little to learn from (`notTrained` says why). */
  outcome?: RankerTrainingOutcome;
  notTrained?: string;
}

export async function trainRankerFrom(
  source: TrainingSource,
  options: TrainFromOptions,
): Promise<TrainingReport> {
  const logged = 'events' in source ? await listsFromEvents(source.events, source.since) : undefined;
  const lists =
    'events' in source
      ? logged!.lists
      : await listsFromJudgments(source.candidates, source.judgments, source.onQuery);
  const labelled = lists.filter((list) => list.labels.some((label) => label > 0)).length;
  const impressions = logged && { impressions: logged.impressions };
  const minimum = options.minLabelled ?? 1;
  if (labelled < minimum) {
    const notTrained = `not enough to learn from: ${labelled} result lists with a click, ${minimum} needed`;
    return { ...impressions, labelled, train: 0, heldOut: 0, notTrained };
  }
  const { train, heldOut } = splitLists(lists, options.split?.share, options.split?.salt);
  const run: RankerTrainingRun = logged
    ? {
        source: 'events',
        train,
        heldOut,
        propensities: logged.propensities,
        propensity: logged.propensity,
        depth: logged.depth,
        ...(logged.window && { window: logged.window }),
      }
    : { source: 'judgments', train, heldOut };
  const outcome = await trainAndGate(run, options);
  return { ...impressions, labelled, train: train.length, heldOut: heldOut.length, outcome };
}
