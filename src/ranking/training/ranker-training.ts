/**
 * One training run end to end, the same for the CLI's `train`, the `retrain` job and the
 * benches: lists from logged events or from judgments, split into training and held-out
 * lists, a ranker fit on the first, scored on the second next to the order retrieval gave
 * and the model serving now, saved as a new version, and promoted only if it is at least as
 * good as what serves today.
 */

import type { Judgments } from '../../eval/judgments.ts';
import { inputOrder, meanListNdcg } from '../../eval/ranking-metrics.ts';
import type { BackendPreference } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';
import type { Logger } from '../../main/logger.ts';
import type { EventStore } from '../../users/event-store.ts';
import { FEATURE_NAMES, shopperHasHistory } from '../features/feature-set.ts';
import type { RankerRegistry } from '../model-registry.ts';
import { type RankerMetadata, RankerModel } from '../ranker-model.ts';
import type { PropensityEstimate } from './position-bias.ts';
import {
  DEFAULT_RANKER_TRAINING,
  type RankerTrainingOptions,
  type RankingList,
  trainRanker,
} from './train-ranker.ts';
import { type JudgedCandidates, listsFromEvents, listsFromJudgments, splitLists } from './training-lists.ts';

export interface RankerTrainingRun {
  source: 'events' | 'judgments';
  train: readonly RankingList[];
  heldOut: readonly RankingList[];
  window?: { from: string; to: string };
  propensities?: number[];
  propensity?: PropensityEstimate;
  /** How deep the logged lists go (event lists): the model reranks no deeper. */
  depth?: number;
}

export interface RankerTrainingOutcome {
  metadata: RankerMetadata;
  dir: string;
  promoted: boolean;
  /** Why it was or was not promoted, in words. */
  decision: string;
}

export interface GateOptions {
  registry: RankerRegistry;
  /** `auto`: promote when at least as good as the serving model; `never`: save only. */
  promote: 'auto' | 'never';
  logger?: Logger;
  tfjsBackend?: BackendPreference;
  training?: Partial<RankerTrainingOptions>;
}

function newVersion(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  return `${stamp}-${Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0')}`;
}

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
  const trained = await trainRanker(run.train, run.heldOut, {
    ...(options.logger && { logger: options.logger }),
    ...(options.tfjsBackend && { tfjsBackend: options.tfjsBackend }),
    ...options.training,
  });
  const model = new RankerModel(trained.layers, trained.normalization, trained.bound);
  const ndcg10 = meanListNdcg(run.heldOut, (list) => model.score(list.features, list.count));
  const ndcg10Fused = meanListNdcg(run.heldOut, inputOrder);
  const withoutHistory = gateWithoutHistory(run, model);
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
      ...(withoutHistory.measured && { without_history: withoutHistory.measured }),
    },
    ...(!withoutHistory.serve && { serve: { shoppers_without_history: false } }),
    correction: { kind: 'bounded', bound: trained.bound },
  };
  const dir = options.registry.save(metadata, trained.layers);
  const baseline = previous ?? ndcg10Fused;
  const against = serving
    ? `serving model ${serving} (${previous!.toFixed(4)})`
    : `fused order (${ndcg10Fused.toFixed(4)})`;
  if (options.promote === 'never') {
    return {
      metadata,
      dir,
      promoted: false,
      decision: `saved without promotion (held-out NDCG@10 ${ndcg10.toFixed(4)} vs ${against})`,
    };
  }
  if (ndcg10 + 1e-9 < baseline) {
    return {
      metadata,
      dir,
      promoted: false,
      decision: `not promoted: held-out NDCG@10 ${ndcg10.toFixed(4)} is below the ${against}`,
    };
  }
  options.registry.promote(metadata.version);
  return {
    metadata,
    dir,
    promoted: true,
    decision: `promoted: held-out NDCG@10 ${ndcg10.toFixed(4)} >= ${against}${withoutHistory.note}`,
  };
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

/** Held-out lists of shoppers without history needed to judge the model for them. */
const MIN_LISTS_WITHOUT_HISTORY = 30;

/**
 * Event-trained models learn mostly from shoppers with history. On the held-out searches
 * of shoppers without any, the model must order at least as well as fusion, or it serves
 * only shoppers with history (new and anonymous shoppers keep the fused order).
 */
function gateWithoutHistory(
  run: RankerTrainingRun,
  model: RankerModel,
): { serve: boolean; note: string; measured?: { lists: number; ndcg10: number; ndcg10_fused: number } } {
  if (run.source !== 'events') return { serve: true, note: '' };
  const lists = run.heldOut.filter((list) => !shopperHasHistory(list.features));
  const measured = {
    lists: lists.length,
    ndcg10: meanListNdcg(lists, (list) => model.score(list.features, list.count)),
    ndcg10_fused: meanListNdcg(lists, inputOrder),
  };
  if (lists.length < MIN_LISTS_WITHOUT_HISTORY)
    return {
      serve: false,
      measured,
      note: `; only ${lists.length} held-out searches without history: those shoppers keep the fused order`,
    };
  const serve = measured.ndcg10 + 1e-9 >= measured.ndcg10_fused;
  return {
    serve,
    measured,
    note: serve
      ? ''
      : `; shoppers without history keep the fused order (${measured.ndcg10.toFixed(4)} < ${measured.ndcg10_fused.toFixed(4)} on ${lists.length} of their searches)`,
  };
}
