/**
 * Stands in for an encoder whose files failed their check: it carries the id the index was
 * built with (so the store opens and keyword search serves) and refuses every embedding
 * with a retryable `embedder_unavailable` error. Search runs on BM25 alone, catalog writes
 * answer 503; nothing is embedded with another model against vectors it did not make.
 */
import { ServiceError } from '../main/errors.ts';
import type { Embedder } from './embedder.ts';

/** What an operator does about it (job errors and the CLI show it). */
export const WAY_OUT =
  "restore the version's files in MODELS_DIR/encoder, or run `hybrid-search encoder train` " +
  '(trains, reindexes with and activates a new version)';

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
    // A job (a scheduled reindex) fails with this; it never trains or activates another
    // version on its own, which would rewrite a possibly shared MODELS_DIR (ADR 0014).
    throw new ServiceError(
      'embedder_unavailable',
      `the text encoder is unavailable: ${this.reason}; ${WAY_OUT}`,
      {
        headers: { 'Retry-After': '60' },
      },
    );
  }
}
