/**
 * Serving side of the in-house encoder: the mean of the learned embeddings of a text's
 * hashed n-gram features, unit length. Plain typed-array arithmetic, no TensorFlow.js:
 * a few thousand multiply-adds per text.
 */
import { type Embedder, type EmbedKind, l2Normalize } from '../embedder.ts';
import { extractNgramFeatures, type NgramSettings } from '../ngram-features.ts';
import { type EncoderArtifact, loadEncoderArtifact } from './encoder-artifact.ts';

/** Embeds with a table of rows x dims; shared by training (evaluation) and serving. */
export function embedWithTable(
  text: string,
  table: Float32Array,
  dims: number,
  settings: NgramSettings,
): Float32Array {
  const { ids, weights } = extractNgramFeatures(text, settings);
  const vector = new Float32Array(dims);
  for (let f = 0; f < ids.length; f++) {
    const w = weights[f]!;
    const offset = ids[f]! * dims;
    for (let j = 0; j < dims; j++) vector[j]! += w * table[offset + j]!;
  }
  return l2Normalize(vector);
}

export class TrainedEncoder implements Embedder {
  readonly id: string;
  readonly dimensions: number;

  constructor(private readonly artifact: EncoderArtifact) {
    this.dimensions = artifact.metadata.dimensions;
    this.id = `encoder:${artifact.metadata.version}:d${this.dimensions}`;
  }

  static load(dir: string): TrainedEncoder {
    return new TrainedEncoder(loadEncoderArtifact(dir));
  }

  get metadata() {
    return this.artifact.metadata;
  }

  embedOne(text: string): Float32Array {
    return embedWithTable(text, this.artifact.table, this.dimensions, this.artifact.metadata.features);
  }

  async embed(texts: readonly string[], _kind: EmbedKind): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }
}
