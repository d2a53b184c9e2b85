/**
 * Bulk writes through `client.helpers.bulk`: documents refused with 429 are retried after a
 * wait, every other per-document failure is collected (with the reason Elasticsearch gave)
 * instead of being lost in a response nobody reads.
 */
import type { Client } from '@elastic/elasticsearch';
import { ServiceError } from '../../main/errors.ts';
import type { SearchDocument } from './search-document.ts';

export interface BulkFailure {
  id: string;
  status: number;
  reason: string;
}

export interface BulkIndexOptions {
  index: string;
  documents: AsyncIterable<SearchDocument> | readonly SearchDocument[];
  /** Retries of documents refused with 429 (default: the client's retry count). */
  retries?: number;
  /** Milliseconds between those retries (default 5000). */
  waitMs?: number;
  flushBytes?: number;
  concurrency?: number;
}

export interface BulkIndexResult {
  indexed: number;
  failed: number;
  /** The first failures, enough to tell a pattern. */
  failures: BulkFailure[];
}

const REPORTED_FAILURES = 20;

export class BulkIndexError extends ServiceError {
  constructor(
    readonly index: string,
    readonly result: BulkIndexResult,
  ) {
    const shown = result.failures.map((f) => `${f.id} (${f.status}): ${f.reason}`).join('; ');
    super(
      'index_write_failed',
      `Elasticsearch rejected ${result.failed} document(s) written to ${index}: ${shown}`,
    );
  }
}

export async function bulkIndex(client: Client, options: BulkIndexOptions): Promise<BulkIndexResult> {
  const failures: BulkFailure[] = [];
  let sourceError: { error: unknown } | undefined;
  // A source that throws ends the stream cleanly: the helper finishes what it holds and the
  // error is rethrown below, so no flush timer fires after the caller gave up.
  async function* guarded(): AsyncGenerator<SearchDocument> {
    try {
      yield* options.documents;
    } catch (error) {
      sourceError = { error };
    }
  }
  const stats = await client.helpers.bulk<SearchDocument>({
    datasource: guarded(),
    onDocument: (document) => ({ index: { _index: options.index, _id: document.id } }),
    onDrop: (dropped) => {
      if (failures.length < REPORTED_FAILURES) {
        failures.push({
          id: dropped.document.id,
          status: dropped.status,
          reason:
            dropped.error?.reason ??
            dropped.error?.type ??
            `refused with status ${dropped.status} after retries`,
        });
      }
    },
    ...(options.retries !== undefined && { retries: options.retries }),
    ...(options.waitMs !== undefined && { wait: options.waitMs }),
    ...(options.flushBytes !== undefined && { flushBytes: options.flushBytes }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
  });
  if (sourceError) throw sourceError.error;
  return { indexed: stats.successful, failed: stats.failed, failures };
}
