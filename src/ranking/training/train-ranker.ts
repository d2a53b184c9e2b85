/**
 * Trains the ranker with TensorFlow.js: an MLP corrects each candidate's normalized fused
 * score within a bound (score = fused + alpha * tanh(MLP(features)), ranker-model.ts), and a
 * listwise softmax cross-entropy (ListNet with graded, optionally inverse-propensity
 * weighted targets) fits the scores of each result list to its labels. The bound is part
 * of the model being trained, not a clamp applied afterwards, so the network learns the
 * best correction it is allowed to make. Early stopping keeps the epoch with the best
 * held-out NDCG@10.
 */
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import type * as TF from '@tensorflow/tfjs';
import { type GradedList, meanListNdcg } from '../../eval/ranking-metrics.ts';
import type { BackendPreference } from '../../main/config.ts';
import { ServiceError } from '../../main/errors.ts';
import type { Logger } from '../../main/logger.ts';
import { seededRandom } from '../../ml/seeded-random.ts';
import { type LoadedTensorflow, loadTensorflow } from '../../ml/tensorflow-backend.ts';
import { FEATURE_COUNT } from '../features/feature-set.ts';
import {
  type CorrectionBound,
  correctionBound,
  DEFAULT_CORRECTION_BOUND,
  type DenseLayer,
  type Normalization,
  normalizedFusedScores,
  RankerModel,
} from '../ranker-model.ts';

/** One result list: candidates in the order retrieval (or serving) gave them. */
export interface RankingList extends GradedList {
  /** count x FEATURE_COUNT, row-major. */
  features: Float32Array;
  /** The shopper the list was served to (logged lists of a known shopper). */
  userHash?: string;
}

export interface RankerTrainingOptions {
  /**
   * `listnet`: softmax cross-entropy of each list against its (weighted) labels.
   * `pairwise`: RankNet logistic loss on every pair of items with different labels,
   * weighted by the label gap and the better item's weight.
   */
  loss: 'listnet' | 'pairwise';
  /** How far the network may move a candidate from its fused score, by shopper segment. */
  bound: CorrectionBound;
  hidden: number[];
  epochs: number;
  batchLists: number;
  learningRate: number;
  /** Epochs without a held-out improvement before stopping. */
  patience: number;
  seed: number;
  logger?: Logger;
  tensorflow?: LoadedTensorflow;
  tfjsBackend?: BackendPreference;
  onEpoch?: (progress: {
    epoch: number;
    epochs: number;
    loss: number;
    heldoutNdcg: number;
    seconds: number;
  }) => void;
  /** Stops between epochs (the service is shutting down). */
  signal?: AbortSignal;
}

export const DEFAULT_RANKER_TRAINING: RankerTrainingOptions = {
  loss: 'listnet',
  bound: DEFAULT_CORRECTION_BOUND,
  hidden: [32, 16],
  epochs: 30,
  batchLists: 32,
  learningRate: 0.003,
  patience: 5,
  seed: 7,
};

export interface TrainedRanker {
  layers: DenseLayer[];
  normalization: Normalization;
  bound: CorrectionBound;
  tensorflow: { backend: string; provider: string; gpu: boolean };
  bestEpoch: number;
  epochSeconds: number[];
  epochLoss: number[];
  epochHeldoutNdcg: number[];
  seconds: number;
}

function normalization(lists: readonly RankingList[]): Normalization {
  const f = FEATURE_COUNT;
  const sum = new Float64Array(f);
  const squares = new Float64Array(f);
  let n = 0;
  for (const list of lists) {
    for (let r = 0; r < list.count; r++) {
      for (let j = 0; j < f; j++) {
        const v = list.features[r * f + j]!;
        sum[j]! += v;
        squares[j]! += v * v;
      }
      n++;
    }
  }
  const mean = Array.from(sum, (s) => s / Math.max(1, n));
  const std = Array.from(squares, (s, j) => {
    const variance = s / Math.max(1, n) - mean[j]! ** 2;
    return variance > 1e-12 ? Math.sqrt(variance) : 0;
  });
  return { mean, std };
}

function exportLayers(model: TF.Sequential): DenseLayer[] {
  return model.layers.map((layer, i) => {
    const [kernel, bias] = layer.getWeights();
    const [inputs, outputs] = kernel!.shape as [number, number];
    const k = kernel!.dataSync();
    const weights = new Float32Array(inputs * outputs);
    for (let j = 0; j < inputs; j++)
      for (let o = 0; o < outputs; o++) weights[o * inputs + j] = k[j * outputs + o]!;
    return {
      weights,
      bias: Float32Array.from(bias!.dataSync()),
      inputs,
      outputs,
      activation: i < model.layers.length - 1 ? 'relu' : 'linear',
    };
  });
}

export async function trainRanker(
  training: readonly RankingList[],
  heldOut: readonly RankingList[],
  overrides: Partial<RankerTrainingOptions> = {},
): Promise<TrainedRanker> {
  const options = { ...DEFAULT_RANKER_TRAINING, ...overrides };
  const loaded = options.tensorflow ?? (await loadTensorflow(options.logger, options.tfjsBackend));
  const { tf } = loaded;
  const f = FEATURE_COUNT;
  const norm = normalization(training);
  const inverseStd = norm.std.map((s) => (s > 0 ? 1 / s : 0));
  const random = seededRandom(options.seed);

  // Lists that teach something: at least one positive label.
  const usable = training.filter((list) => list.labels.some((l) => l > 0));
  if (usable.length === 0)
    throw new ServiceError('not_enough_data', 'no training list has a relevant product');

  const model = tf.sequential();
  options.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + i }),
        ...(i === 0 && { inputShape: [f] }),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: options.seed + 99 }),
    }),
  );
  const optimizer = tf.train.adam(options.learningRate);

  const batchTensors = (lists: readonly RankingList[]) => {
    const width = Math.max(...lists.map((l) => l.count));
    const x = new Float32Array(lists.length * width * f);
    const target = new Float32Array(lists.length * width);
    const mask = new Float32Array(lists.length * width);
    const base = new Float32Array(lists.length * width);
    const alpha = new Float32Array(lists.length * width);
    // Pairwise: pairs[b][i][j] = weight of "i above j" (i has the higher label), else 0.
    const pairs = options.loss === 'pairwise' ? new Float32Array(lists.length * width * width) : undefined;
    let pairTotal = 0;
    lists.forEach((list, b) => {
      // Targets are the labels' shares of the list, times their weights: a list whose click
      // came from a rarely examined rank counts for more (unbiased ListNet, as in IPS-DCG).
      let total = 0;
      for (let r = 0; r < list.count; r++) total += list.labels[r]!;
      base.set(normalizedFusedScores(list.features, list.count), b * width);
      for (let r = 0; r < list.count; r++) {
        alpha[b * width + r] = correctionBound(options.bound, list.features, r);
        const row = (b * width + r) * f;
        for (let j = 0; j < f; j++) x[row + j] = (list.features[r * f + j]! - norm.mean[j]!) * inverseStd[j]!;
        target[b * width + r] = total > 0 ? (list.labels[r]! * (list.weights?.[r] ?? 1)) / total : 0;
        mask[b * width + r] = 1;
        if (!pairs) continue;
        for (let o = 0; o < list.count; o++) {
          const gap = list.labels[r]! - list.labels[o]!;
          if (gap <= 0) continue;
          const weight = gap * (list.weights?.[r] ?? 1);
          pairs[(b * width + r) * width + o] = weight;
          pairTotal += weight;
        }
      }
    });
    return {
      x: tf.tensor2d(x, [lists.length * width, f]),
      target: tf.tensor2d(target, [lists.length, width]),
      mask: tf.tensor2d(mask, [lists.length, width]),
      base: tf.tensor2d(base, [lists.length, width]),
      alpha: tf.tensor2d(alpha, [lists.length, width]),
      pairs: pairs && tf.tensor3d(pairs, [lists.length, width, width]),
      pairTotal,
      shape: [lists.length, width] as [number, number],
    };
  };

  const started = performance.now();
  const epochSeconds: number[] = [];
  const epochLoss: number[] = [];
  const epochHeldoutNdcg: number[] = [];
  let best = { ndcg: Number.NEGATIVE_INFINITY, epoch: 0, layers: exportLayers(model) };
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    if (options.signal?.aborted) {
      model.dispose();
      optimizer.dispose();
      options.signal.throwIfAborted();
    }
    const epochStarted = performance.now();
    const order = [...usable];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < order.length; start += options.batchLists) {
      // Training runs inside the service (the retrain job) on a synchronous backend: give
      // waiting searches the event loop between batches instead of stalling them an epoch.
      await setImmediatePromise();
      const batch = batchTensors(order.slice(start, start + options.batchLists));
      const loss = optimizer.minimize(() => {
        const output = tf.reshape(model.apply(batch.x) as TF.Tensor, batch.shape);
        const scores = tf.add(batch.base, tf.mul(batch.alpha, tf.tanh(output)));
        if (batch.pairs) {
          // log(1 + exp(-(s_i - s_j))) for every weighted pair "i above j".
          const [lists, width] = batch.shape;
          const differences = tf.sub(
            tf.reshape(scores, [lists, width, 1]),
            tf.reshape(scores, [lists, 1, width]),
          );
          const pairLoss = tf.softplus(tf.neg(differences));
          return tf.div(tf.sum(tf.mul(batch.pairs, pairLoss)), Math.max(1e-9, batch.pairTotal)) as TF.Scalar;
        }
        // Padding gets -1e9: no probability mass in the softmax.
        const masked = tf.add(scores, tf.mul(tf.sub(batch.mask, 1), 1e9));
        const logProbabilities = tf.logSoftmax(masked);
        return tf.div(tf.neg(tf.sum(tf.mul(batch.target, logProbabilities))), batch.shape[0]) as TF.Scalar;
      }, true);
      lossSum += loss!.dataSync()[0]!;
      batches++;
      tf.dispose([
        loss!,
        batch.x,
        batch.target,
        batch.mask,
        batch.base,
        batch.alpha,
        ...(batch.pairs ? [batch.pairs] : []),
      ]);
    }
    const layers = exportLayers(model);
    const scorer = new RankerModel(layers, norm, options.bound);
    const heldoutNdcg = meanListNdcg(heldOut, (list) => scorer.score(list.features, list.count));
    const seconds = (performance.now() - epochStarted) / 1000;
    epochSeconds.push(seconds);
    epochLoss.push(lossSum / Math.max(1, batches));
    epochHeldoutNdcg.push(heldoutNdcg);
    options.onEpoch?.({ epoch, epochs: options.epochs, loss: epochLoss.at(-1)!, heldoutNdcg, seconds });
    options.logger?.debug({ epoch, loss: epochLoss.at(-1), heldoutNdcg }, 'ranker epoch');
    if (heldoutNdcg > best.ndcg) best = { ndcg: heldoutNdcg, epoch, layers };
    else if (epoch - best.epoch >= options.patience) break;
  }
  model.dispose();
  optimizer.dispose();
  return {
    layers: best.layers,
    normalization: norm,
    bound: options.bound,
    tensorflow: { backend: loaded.backend, provider: loaded.provider, gpu: loaded.gpu },
    bestEpoch: best.epoch,
    epochSeconds,
    epochLoss,
    epochHeldoutNdcg,
    seconds: (performance.now() - started) / 1000,
  };
}
