/**
 * Stands in for an encoder whose files failed their check: it carries the id the index was
 * built with (so the store opens and keyword search serves) and refuses every embedding
 * with a retryable `embedder_unavailable` error. Search runs on BM25 alone, catalog writes
 * answer 503; nothing is embedded with another model against vectors it did not make.
 */
import { ServiceError } from '../main/errors.ts';
import type { Embedder } from './embedder.ts';

export class UnavailableEmbedder implements Embedder {
  readonly dimensions: number;

  constructor(
    readonly id: string,
    /** Why (the one-line check failure), for the errors it answers. */
    readonly reason: string,
  ) {
    this.dimensions = Number(/:d(\d+)$/.exec(id)?.[1] ?? 0);
  }

  async embed(): Promise<Float32Array[]> {
    throw new ServiceError('embedder_unavailable', `the text encoder is unavailable: ${this.reason}`, {
      headers: { 'Retry-After': '60' },
    });
  }
}
