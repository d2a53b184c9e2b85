/**
 * An untrained embedder that needs nothing but the text: each hashed n-gram feature is
 * projected onto a few signed dimensions (a sparse random projection), so the cosine of
 * two vectors approximates the overlap of their word and character n-grams. Deterministic,
 * offline and fast; the trained encoder replaces the projection with learned embeddings.
 */
import { type Embedder, type EmbedKind, l2Normalize } from './embedder.ts';
import { DEFAULT_NGRAM_SETTINGS, extractNgramFeatures, type NgramSettings } from './ngram-features.ts';

const NONZEROS_PER_FEATURE = 4;

export class HashingEmbedder implements Embedder {
  readonly id: string;

  constructor(
    readonly dimensions = 256,
    private readonly settings: NgramSettings = DEFAULT_NGRAM_SETTINGS,
  ) {
    this.id = `hashing-ngram-v1:d${dimensions}:b${settings.buckets}`;
  }

  embedOne(text: string): Float32Array {
    const { ids, weights } = extractNgramFeatures(text, this.settings);
    const vector = new Float32Array(this.dimensions);
    for (let f = 0; f < ids.length; f++) {
      // Mix the bucket id first so that bucket 0 does not stay 0 under xorshift.
      let h = (Math.imul(ids[f]! + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
      for (let k = 0; k < NONZEROS_PER_FEATURE; k++) {
        // xorshift steps give independent (dimension, sign) draws per feature.
        h ^= h << 13;
        h ^= h >>> 17;
        h ^= h << 5;
        h >>>= 0;
        const dim = h % this.dimensions;
        vector[dim]! += h & 0x80000000 ? -weights[f]! : weights[f]!;
      }
    }
    return l2Normalize(vector);
  }

  async embed(texts: readonly string[], _kind: EmbedKind): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }
}
