/**
 * The Embedder port: text in, unit-length vectors out. Queries and passages are embedded
 * separately because some models (e5) expect different prefixes for each.
 */
export type EmbedKind = 'query' | 'passage';

export interface Embedder {
  /** Identifies model and settings; stored with the index so a mismatch is detected. */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: readonly string[], kind: EmbedKind): Promise<Float32Array[]>;
  /** Releases what the embedder holds open (a cache file). */
  close?(): void;
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < vector.length; i++) vector[i]! *= inv;
  }
  return vector;
}

/** False for the zero vector (a text without any feature): it has no direction, no neighbours. */
export function hasMagnitude(vector: Float32Array): boolean {
  for (const value of vector) if (value !== 0) return true;
  return false;
}

/**
 * The embedder the service uses now. Search and catalog read it per call; a reindex with
 * another model replaces it in the same step that switches the index generation.
 */
export class EmbedderSlot {
  constructor(public current: Embedder) {}
}
