/**
 * Trains the in-house encoder with TensorFlow.js: a table of embeddings for hashed word
 * and character n-grams, mean-pooled and normalized, trained contrastively (InfoNCE with
 * in-batch negatives) so a query-like text lands next to its product.
 *
 * The table is large (buckets x dims) but a batch touches a few thousand rows. Pooling is
 * linear, so each step sums the rows on typed arrays, lets TensorFlow.js compute the loss
 * (normalization, similarities, softmax cross-entropy) and its gradient with respect to
 * the pooled vectors, sends that gradient back to the touched rows, and applies a lazy
 * (row-sparse) Adam update to them. A dense update would touch the whole table each step,
 * and the wasm backend has no kernel for the sparse gradient of a gather.
 *
 * With a teacher (a pretrained sentence encoder's vectors of some texts: common English
 * words, catalog words, titles), each step also distils: through a learned projection into
 * the teacher's space, the student's vector of each teacher text must pick out that text's
 * teacher vector among the batch's (InfoNCE again). Words the catalog never uses (`couch`
 * in a shop that says `sofa`) then land near their meaning.
 */

import { randomBytes } from 'node:crypto';
import type { BackendPreference } from '../../main/config.ts';
import type { Logger } from '../../main/logger.ts';
import { seededRandom } from '../../ml/seeded-random.ts';
import { type LoadedTensorflow, loadTensorflow } from '../../ml/tensorflow-backend.ts';
import { DEFAULT_NGRAM_SETTINGS, extractNgramFeatures, type SparseFeatures } from '../ngram-features.ts';
import type { EncoderArtifact, EncoderCatalog, EncoderMetadata } from './encoder-artifact.ts';
import { embedWithTable } from './trained-encoder.ts';
import { type CatalogText, selfSupervisedPairs, type TrainingPair, titleFragment } from './training-pairs.ts';

export interface EncoderTrainingOptions {
  dimensions: number;
  buckets: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  temperature: number;
  /** Self-supervised title fragments per product and epoch (raised for small catalogs, see minPairsPerEpoch). */
  pairsPerProduct: number;
  /** Small catalogs get more fragments per product so an epoch has enough steps to learn from. */
  minPairsPerEpoch: number;
  /** Products kept out of training to measure the result. */
  heldOutProducts: number;
  seed: number;
  logger?: Logger;
  tensorflow?: LoadedTensorflow;
  tfjsBackend?: BackendPreference;
  /** Vectors a pretrained model gave some texts (row-major): the student learns their geometry. */
  teacher?: TeacherTargets;
  /** Weight of the distillation loss beside the contrastive one. */
  distillWeight: number;
  /** Teacher texts per step. */
  distillBatch: number;
  /** What it learns from, recorded with it (encoder-artifact.ts). */
  catalog?: EncoderCatalog;
  onProgress?: (progress: { epoch: number; step: number; steps: number; loss: number }) => void;
}

export interface TeacherTargets {
  /** Names the teacher model, recorded with the encoder. */
  model: string;
  /** How long the teacher took to embed the texts. */
  seconds: number;
  texts: readonly string[];
  vectors: Float32Array;
  dimensions: number;
}

export const DEFAULT_ENCODER_TRAINING: EncoderTrainingOptions = {
  dimensions: 128,
  buckets: DEFAULT_NGRAM_SETTINGS.buckets,
  epochs: 4,
  batchSize: 512,
  learningRate: 0.005,
  temperature: 0.05,
  pairsPerProduct: 2,
  minPairsPerEpoch: 20_000,
  heldOutProducts: 1000,
  seed: 1,
  distillWeight: 1,
  distillBatch: 256,
};

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

interface SparseBatch {
  /** Global table rows the batch touches, in local order. */
  rows: number[];
  local: Int32Array;
  weights: Float32Array;
  segments: Int32Array;
}

/** Flattens the features of several texts, renumbering table rows to 0..rows-1. */
function flatten(
  features: readonly SparseFeatures[],
  rowIndex: Map<number, number>,
  rows: number[],
): Omit<SparseBatch, 'rows'> {
  const size = features.reduce((n, f) => n + f.ids.length, 0);
  const local = new Int32Array(size);
  const weights = new Float32Array(size);
  const segments = new Int32Array(size);
  let k = 0;
  features.forEach((f, segment) => {
    for (let i = 0; i < f.ids.length; i++) {
      const row = f.ids[i]!;
      let index = rowIndex.get(row);
      if (index === undefined) {
        index = rows.length;
        rowIndex.set(row, index);
        rows.push(row);
      }
      local[k] = index;
      weights[k] = f.weights[i]!;
      segments[k] = segment;
      k++;
    }
  });
  return { local, weights, segments };
}

function gaussianTable(length: number, scale: number, random: () => number): Float32Array {
  const table = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(random() + 1e-12));
    const theta = 2 * Math.PI * random();
    table[i] = scale * r * Math.cos(theta);
    if (i + 1 < length) table[i + 1] = scale * r * Math.sin(theta);
  }
  return table;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Recall@10 and MRR of fragment -> product retrieval among the held-out products. */
export function evaluateRetrieval(
  heldOut: readonly CatalogText[],
  table: Float32Array,
  options: Pick<EncoderTrainingOptions, 'dimensions' | 'buckets' | 'seed'>,
): { recallAt10: number; mrr: number } {
  if (heldOut.length === 0) return { recallAt10: 0, mrr: 0 };
  const settings = { ...DEFAULT_NGRAM_SETTINGS, buckets: options.buckets };
  const dims = options.dimensions;
  const random = seededRandom(options.seed + 1000);
  const products = heldOut.map((p) => embedWithTable(p.text, table, dims, settings));
  let hits = 0;
  let reciprocal = 0;
  heldOut.forEach((product, i) => {
    const query = embedWithTable(titleFragment(product.title, product.brand, random), table, dims, settings);
    const own = products[i]!;
    let ownScore = 0;
    for (let j = 0; j < dims; j++) ownScore += query[j]! * own[j]!;
    let rank = 1;
    for (const other of products) {
      if (other === own) continue;
      let s = 0;
      for (let j = 0; j < dims; j++) s += query[j]! * other[j]!;
      if (s > ownScore) rank++;
    }
    if (rank <= 10) hits++;
    reciprocal += 1 / rank;
  });
  return { recallAt10: hits / heldOut.length, mrr: reciprocal / heldOut.length };
}

export async function trainEncoder(
  catalog: readonly CatalogText[],
  eventPairs: readonly TrainingPair[],
  overrides: Partial<EncoderTrainingOptions> = {},
): Promise<EncoderArtifact> {
  const options = { ...DEFAULT_ENCODER_TRAINING, ...overrides };
  const { dimensions: dims, buckets } = options;
  const settings = { ...DEFAULT_NGRAM_SETTINGS, buckets };
  const loaded = options.tensorflow ?? (await loadTensorflow(options.logger, options.tfjsBackend));
  const { tf } = loaded;
  const random = seededRandom(options.seed);

  const order = shuffle([...catalog], random);
  const heldOutCount = Math.min(options.heldOutProducts, Math.floor(order.length * 0.1));
  const heldOut = order.slice(0, heldOutCount);
  const training = order.slice(heldOutCount);
  const pairsPerProduct = Math.max(
    options.pairsPerProduct,
    Math.ceil(options.minPairsPerEpoch / Math.max(1, training.length)),
  );

  const table = gaussianTable(buckets * dims, 0.1, random);
  const untrained = evaluateRetrieval(heldOut, table, options);
  const m = new Float32Array(table.length);
  const v = new Float32Array(table.length);
  let t = 0;

  const productFeatures = new Map<string, SparseFeatures>();
  const featuresOf = (text: string, cache: boolean) => {
    let features = cache ? productFeatures.get(text) : undefined;
    if (!features) {
      features = extractNgramFeatures(text, settings);
      if (cache) productFeatures.set(text, features);
    }
    return features;
  };

  /** Weighted sums of table rows per text (the pre-normalization embeddings). */
  const pool = (batch: SparseBatch, size: number): Float32Array => {
    const pooled = new Float32Array(size * dims);
    for (let k = 0; k < batch.local.length; k++) {
      const w = batch.weights[k]!;
      const from = batch.rows[batch.local[k]!]! * dims;
      const to = batch.segments[k]! * dims;
      for (let j = 0; j < dims; j++) pooled[to + j]! += w * table[from + j]!;
    }
    return pooled;
  };

  /** Chain rule through the pooling: each row receives its weight times its text's gradient. */
  const unpool = (batch: SparseBatch, gradient: Float32Array, rowGradient: Float32Array) => {
    for (let k = 0; k < batch.local.length; k++) {
      const w = batch.weights[k]!;
      const from = batch.segments[k]! * dims;
      const to = batch.local[k]! * dims;
      for (let j = 0; j < dims; j++) rowGradient[to + j]! += w * gradient[from + j]!;
    }
  };

  type Tensor = import('@tensorflow/tfjs').Tensor;
  const contrastiveLoss = tf.valueAndGrads((queries: Tensor, products: Tensor) => {
    const normalize = (x: Tensor) => tf.div(x, tf.add(tf.norm(x, 'euclidean', 1, true), 1e-6));
    const logits = tf.div(
      tf.matMul(normalize(queries), normalize(products), false, true),
      options.temperature,
    );
    const size = queries.shape[0];
    const labels = tf.oneHot(tf.range(0, size, 1, 'int32'), size);
    const forward = tf.losses.softmaxCrossEntropy(labels, logits);
    const backward = tf.losses.softmaxCrossEntropy(labels, tf.transpose(logits));
    return tf.div(tf.add(forward, backward), 2) as import('@tensorflow/tfjs').Scalar;
  });

  const { teacher } = options;
  const teacherDims = teacher?.dimensions ?? 1;
  const teacherFeatures = teacher ? teacher.texts.map((text) => extractNgramFeatures(text, settings)) : [];
  // Student -> teacher space, trained beside the table (dense Adam on a dims x teacherDims matrix).
  const projection = gaussianTable(dims * teacherDims, 1 / Math.sqrt(dims), random);
  const pm = new Float32Array(projection.length);
  const pv = new Float32Array(projection.length);
  const distillLoss = tf.valueAndGrads((students: Tensor, w: Tensor, targets: Tensor) => {
    const normalize = (x: Tensor) => tf.div(x, tf.add(tf.norm(x, 'euclidean', 1, true), 1e-6));
    const projected = normalize(tf.matMul(normalize(students), w));
    const logits = tf.div(tf.matMul(projected, targets, false, true), options.temperature);
    const size = students.shape[0];
    const labels = tf.oneHot(tf.range(0, size, 1, 'int32'), size);
    return tf.losses.softmaxCrossEntropy(labels, logits) as import('@tensorflow/tfjs').Scalar;
  });

  /** One distillation step's gradient for the table rows of its texts; updates the projection. */
  const distil = (rowIndex: Map<number, number>, rows: number[], stepSize: number) => {
    if (!teacher || teacherFeatures.length === 0) return undefined;
    const k = Math.min(options.distillBatch, teacherFeatures.length);
    const picks = Array.from({ length: k }, () => Math.floor(random() * teacherFeatures.length));
    const batch = {
      ...flatten(
        picks.map((i) => teacherFeatures[i]!),
        rowIndex,
        rows,
      ),
      rows,
    };
    const targets = new Float32Array(k * teacherDims);
    for (const [r, i] of picks.entries()) {
      targets.set(teacher.vectors.subarray(i * teacherDims, (i + 1) * teacherDims), r * teacherDims);
    }
    const { rowGradient, projectionGradient } = tf.tidy(() => {
      const { grads } = distillLoss([
        tf.tensor2d(pool(batch, k), [k, dims]),
        tf.tensor2d(projection, [dims, teacherDims]),
        tf.tensor2d(targets, [k, teacherDims]),
      ]);
      return {
        rowGradient: tf.mul(grads[0]!, options.distillWeight).dataSync() as Float32Array,
        projectionGradient: grads[1]!.dataSync() as Float32Array,
      };
    });
    for (let j = 0; j < projection.length; j++) {
      const g = projectionGradient[j]!;
      pm[j] = BETA1 * pm[j]! + (1 - BETA1) * g;
      pv[j] = BETA2 * pv[j]! + (1 - BETA2) * g * g;
      projection[j]! -= (stepSize * pm[j]!) / (Math.sqrt(pv[j]!) + EPSILON);
    }
    return { batch, rowGradient };
  };

  const started = performance.now();
  const epochSeconds: number[] = [];
  const epochLoss: number[] = [];
  let selfSupervisedCount = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const epochStarted = performance.now();
    const selfSupervised = selfSupervisedPairs(training, pairsPerProduct, random);
    selfSupervisedCount = selfSupervised.length;
    const pairs = shuffle([...selfSupervised, ...eventPairs], random);
    const steps = Math.floor(pairs.length / options.batchSize);
    let lossSum = 0;
    for (let step = 0; step < steps; step++) {
      const batch = pairs.slice(step * options.batchSize, (step + 1) * options.batchSize);
      const rowIndex = new Map<number, number>();
      const rows: number[] = [];
      const queries = {
        ...flatten(
          batch.map((p) => featuresOf(p.query, false)),
          rowIndex,
          rows,
        ),
        rows,
      };
      const products = {
        ...flatten(
          batch.map((p) => featuresOf(p.product, true)),
          rowIndex,
          rows,
        ),
        rows,
      };
      const size = batch.length;
      const { loss, queryGradient, productGradient } = tf.tidy(() => {
        const { value, grads } = contrastiveLoss([
          tf.tensor2d(pool(queries, size), [size, dims]),
          tf.tensor2d(pool(products, size), [size, dims]),
        ]);
        return {
          loss: value.dataSync()[0]!,
          queryGradient: grads[0]!.dataSync() as Float32Array,
          productGradient: grads[1]!.dataSync() as Float32Array,
        };
      });
      // Lazy Adam: only the rows this batch touched move.
      t++;
      const stepSize = (options.learningRate * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
      const distilled = distil(rowIndex, rows, stepSize);
      const gradient = new Float32Array(rows.length * dims);
      unpool(queries, queryGradient, gradient);
      unpool(products, productGradient, gradient);
      if (distilled) unpool(distilled.batch, distilled.rowGradient, gradient);
      rows.forEach((row, i) => {
        const base = row * dims;
        for (let j = 0; j < dims; j++) {
          const g = gradient[i * dims + j]!;
          const k = base + j;
          m[k] = BETA1 * m[k]! + (1 - BETA1) * g;
          v[k] = BETA2 * v[k]! + (1 - BETA2) * g * g;
          table[k]! -= (stepSize * m[k]!) / (Math.sqrt(v[k]!) + EPSILON);
        }
      });
      lossSum += loss;
      options.onProgress?.({ epoch, step: step + 1, steps, loss });
    }
    epochSeconds.push((performance.now() - epochStarted) / 1000);
    epochLoss.push(steps > 0 ? lossSum / steps : 0);
    options.logger?.info({ epoch, loss: epochLoss.at(-1), seconds: epochSeconds.at(-1) }, 'encoder epoch');
  }
  const trained = evaluateRetrieval(heldOut, table, options);
  const now = new Date();
  const metadata: EncoderMetadata = {
    kind: 'hashed-ngram-encoder',
    format: 1,
    version: `${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(2).toString('hex')}`,
    dimensions: dims,
    features: settings,
    trained_at: now.toISOString(),
    tensorflow: { backend: loaded.backend, provider: loaded.provider, gpu: loaded.gpu },
    training: {
      products: training.length,
      pairs: { self_supervised: selfSupervisedCount, events: eventPairs.length },
      epochs: options.epochs,
      batch_size: options.batchSize,
      learning_rate: options.learningRate,
      temperature: options.temperature,
      seconds: (performance.now() - started) / 1000,
      epoch_seconds: epochSeconds,
      epoch_loss: epochLoss,
      ...(teacher && {
        teacher: {
          model: teacher.model,
          texts: teacher.texts.length,
          weight: options.distillWeight,
          seconds: teacher.seconds,
        },
      }),
    },
    ...(options.catalog && { catalog: options.catalog }),
    metrics: {
      heldout_products: heldOut.length,
      recall_at_10: trained.recallAt10,
      mrr: trained.mrr,
      untrained_recall_at_10: untrained.recallAt10,
    },
  };
  return { metadata, table };
}
