/**
 * The learning-to-rank model at serving time: a small MLP over the normalized features,
 * evaluated on typed arrays from weights exported after training with TensorFlow.js (a
 * forward pass for 100 candidates is ~150k multiply-adds, well under a millisecond).
 *
 * The network does not order candidates by itself: it corrects the fused order within a
 * bound (ADR 0009). A candidate's score is its fused score, min-max normalized over the
 * window being ordered (1 for the best fused candidate, 0 for the worst), plus
 * alpha * tanh(network output), where alpha depends on whether the shopper has history. So
 * no feature, however strongly it predicts clicks, lifts a candidate over one whose fused
 * score is more than 2 * alpha of the window's range above it: retrieval relevance cannot
 * be overruled by engagement alone.
 */
import type { FileChecksums } from '../ml/model-files.ts';
import { FEATURE_COUNT, FEATURE_NAMES } from './features/feature-set.ts';
import type { GateReport } from './training/gate.ts';

const FUSED_SCORE = FEATURE_NAMES.indexOf('fused_score');
const HAS_HISTORY = FEATURE_NAMES.indexOf('user_has_history');

/** The bound of the correction, by shopper segment, in units of the window's fused-score range. */
export interface CorrectionBound {
  with_history: number;
  without_history: number;
}

export const DEFAULT_CORRECTION_BOUND: CorrectionBound = { with_history: 0.5, without_history: 0.25 };

/** Each row's fused score min-max normalized over the `count` rows (all 1 when they are equal). */
export function normalizedFusedScores(features: Float32Array, count: number): Float32Array {
  const f = FEATURE_COUNT;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < count; r++) {
    const v = features[r * f + FUSED_SCORE]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min;
  return Float32Array.from({ length: count }, (_, r) =>
    span > 0 ? (features[r * f + FUSED_SCORE]! - min) / span : 1,
  );
}

/** The bound that applies to a row (the shopper's segment is in its features). */
export function correctionBound(bound: CorrectionBound, features: Float32Array, row: number): number {
  return features[row * FEATURE_COUNT + HAS_HISTORY]! > 0 ? bound.with_history : bound.without_history;
}

export interface DenseLayer {
  /** outputs x inputs, row-major (one row per output unit). */
  weights: Float32Array;
  bias: Float32Array;
  inputs: number;
  outputs: number;
  activation: 'relu' | 'linear';
}

export interface RankerMetadata {
  kind: 'ranker';
  format: 1;
  version: string;
  features: string[];
  normalization: { mean: number[]; std: number[] };
  hidden: number[];
  trained_at: string;
  tensorflow: { backend: string; provider: string; gpu: boolean };
  training: {
    source: 'events' | 'judgments';
    lists: number;
    items: number;
    epochs: number;
    best_epoch: number;
    batch_lists: number;
    learning_rate: number;
    /** The loss trained with (absent in models from before the option: listnet). */
    loss?: 'listnet' | 'pairwise';
    seconds: number;
    epoch_seconds: number[];
    epoch_loss: number[];
    epoch_heldout_ndcg: number[];
    /** Event window the lists came from (ISO), for event-trained models. */
    window?: { from: string; to: string };
    /** Examination probability by position (position 1 = 1), for event-trained models. */
    position_propensity?: number[];
    /** How `position_propensity` was measured: from the randomized share, or by EM when it held too few clicks. */
    propensity?: {
      method: 'randomized_pairs' | 'adjacent_pairs' | 'em';
      randomized_searches: number;
      intervention_clicks: number;
      depth: number;
      eta: number;
    };
    /** Deepest position in the logged lists it learned from: it reranks no deeper (event-trained models). */
    max_position?: number;
  };
  /** Size and SHA-256 of weights.json (absent in versions saved before checksums). */
  files?: FileChecksums;
  metrics: {
    heldout_lists: number;
    /** NDCG@10 within the held-out lists, ordered by this model. */
    ndcg10: number;
    /** The same lists in the order retrieval (fusion) gave them. */
    ndcg10_fused: number;
    /** The model serving when this one was trained, on the same lists (absent if none). */
    ndcg10_previous?: number;
    /** Models from before the gate per segment: held-out searches of shoppers without history. */
    without_history?: { lists: number; ndcg10: number; ndcg10_fused: number };
  };
  /** The gate's decision for each shopper segment, with every number (training/gate.ts). */
  gate?: GateReport;
  /**
   * Whom the model reorders for. A model trained on shoppers' events can serve those with
   * history well and yet order worse than fusion when it knows nothing of the shopper; the
   * gate then keeps the fused order for them. Absent: everyone.
   */
  serve?: { shoppers_without_history: boolean; shoppers_with_history?: boolean };
  /**
   * The bounded correction of the fused order the network was trained as (see the module
   * comment). Absent in models from before it: their network's output orders the window.
   */
  correction?: { kind: 'bounded'; bound: CorrectionBound };
}

export interface Normalization {
  mean: number[];
  std: number[];
}

export class RankerModel {
  private readonly mean: Float32Array;
  private readonly inverseStd: Float32Array;

  constructor(
    private readonly layers: DenseLayer[],
    normalization: Normalization,
    /** Absent: the network's output is the score (models from before the bounded correction). */
    readonly bound?: CorrectionBound,
  ) {
    this.mean = Float32Array.from(normalization.mean);
    this.inverseStd = Float32Array.from(normalization.std, (s) => (s > 0 ? 1 / s : 0));
  }

  /**
   * Scores `count` candidates whose features are rows of `features`, as one window: the
   * normalized fused score plus the bounded correction (higher first).
   */
  score(features: Float32Array, count: number): Float32Array {
    const output = this.network(features, count);
    const { bound } = this;
    if (!bound) return output;
    const base = normalizedFusedScores(features, count);
    return Float32Array.from(
      output,
      (value, r) => base[r]! + correctionBound(bound, features, r) * Math.tanh(value),
    );
  }

  /** The network's output for each row, before the bound. */
  network(features: Float32Array, count: number): Float32Array {
    const f = FEATURE_COUNT;
    let input = new Float32Array(count * f);
    for (let r = 0; r < count; r++) {
      for (let j = 0; j < f; j++)
        input[r * f + j] = (features[r * f + j]! - this.mean[j]!) * this.inverseStd[j]!;
    }
    for (const layer of this.layers) {
      const output = new Float32Array(count * layer.outputs);
      for (let r = 0; r < count; r++) {
        const rowIn = r * layer.inputs;
        for (let o = 0; o < layer.outputs; o++) {
          let sum = layer.bias[o]!;
          const w = o * layer.inputs;
          for (let j = 0; j < layer.inputs; j++) sum += layer.weights[w + j]! * input[rowIn + j]!;
          output[r * layer.outputs + o] = layer.activation === 'relu' && sum < 0 ? 0 : sum;
        }
      }
      input = output;
    }
    for (const value of input)
      if (!Number.isFinite(value)) throw new Error('the ranker produced a non-finite score');
    return input;
  }

  /**
   * What each feature adds to one candidate's correction (its whole score for an unbounded
   * model): the correction minus the correction with that feature at its training mean
   * (occlusion). Used by `explain=true`.
   */
  contributions(row: Float32Array): Record<string, number> {
    const f = FEATURE_COUNT;
    const variants = new Float32Array((f + 1) * f);
    for (let v = 0; v <= f; v++) {
      variants.set(row, v * f);
      if (v < f) variants[v * f + v] = this.mean[v]!;
    }
    const output = this.network(variants, f + 1);
    const { bound } = this;
    const alpha = bound ? correctionBound(bound, row, 0) : 1;
    const corrected = (value: number) => (bound ? alpha * Math.tanh(value) : value);
    const base = corrected(output[f]!);
    return Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, base - corrected(output[j]!)]));
  }
}

/** A saved model, checked to be trained on the features this build extracts. */
export class SavedRanker extends RankerModel {
  constructor(
    readonly metadata: RankerMetadata,
    layers: DenseLayer[],
  ) {
    if (
      metadata.features.length !== FEATURE_COUNT ||
      metadata.features.some((name, i) => name !== FEATURE_NAMES[i])
    ) {
      throw new Error(`ranker ${metadata.version} was trained on other features than this build extracts`);
    }
    super(layers, metadata.normalization, metadata.correction?.bound);
  }

  get version(): string {
    return this.metadata.version;
  }
}
