/**
 * Impressions (the lists searches showed) wait here up to 200 ms, or until 500 are
 * waiting, and are written in one bulk request with the impression counters they add, so
 * a search never waits on the cluster. What is buffered is lost if the process dies
 * (README, "What is stored").
 */
import type { Logger } from '../../main/logger.ts';
import type { Impression } from '../../users/events.ts';
import { queryKey, referenceExamination } from '../../users/query-engagement.ts';
import { type BulkOperation, type ClusterResource, refusedItems, throwIfRefused } from './cluster.ts';
import {
  addIncrements,
  addQueryIncrements,
  counterOperations,
  type QueryIncrements,
  queryCounterOperations,
} from './shopper-counters.ts';
import {
  type CounterIncrements,
  documentId,
  type ShopperIndices,
  toImpressionDocument,
} from './shopper-indices.ts';

export interface ImpressionBufferOptions {
  logger?: Logger;
  /** Impressions are written at the latest this long after they are recorded (default 200 ms). */
  flushMs?: number;
  /** ... or as soon as this many are waiting (default 500). */
  flushSize?: number;
}

export class ImpressionBuffer {
  private pending: Impression[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** Impression writes under way; `flush()` waits for them too. */
  private readonly writing = new Set<Promise<void>>();

  constructor(
    private readonly cluster: ClusterResource,
    private readonly indices: ShopperIndices,
    private readonly options: ImpressionBufferOptions = {},
  ) {}

  /** Query texts of the buffered impressions, by query id. */
  bufferedQueries(): Map<string, string> {
    return new Map(this.pending.map((i) => [i.queryId, i.query]));
  }

  record(impression: Impression): void {
    this.pending.push(impression);
    if (this.pending.length >= (this.options.flushSize ?? 500)) this.flushInBackground();
    else {
      this.flushTimer ??= setTimeout(() => this.flushInBackground(), this.options.flushMs ?? 200).unref();
    }
  }

  /** Writes the impressions waiting here and waits for writes already under way. */
  async flush(): Promise<void> {
    const own = this.startFlush();
    await Promise.all([own, ...this.writing]);
  }

  private flushInBackground(): void {
    const count = this.pending.length;
    this.startFlush().catch((error: unknown) => {
      this.options.logger?.warn({ err: error, impressions: count }, 'impressions could not be stored');
    });
  }

  private startFlush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    const write = this.writeImpressions(batch);
    const settled: Promise<void> = write
      .catch(() => undefined)
      .finally(() => {
        this.writing.delete(settled);
      });
    this.writing.add(settled);
    return write;
  }

  /** The impression documents and the products' impression counts, in one bulk request. */
  private async writeImpressions(batch: readonly Impression[]): Promise<void> {
    const index = this.indices.impressions;
    const shown = new Map<string, CounterIncrements>();
    const shownForQuery: QueryIncrements = new Map();
    for (const impression of batch) {
      const key = queryKey(impression.query);
      for (const item of impression.items) {
        addIncrements(shown, item.productId, { impressions: 1, clicks: 0, carts: 0, purchases: 0 });
        if (key) {
          addQueryIncrements(shownForQuery, key, item.productId, {
            impressions: 1,
            examinations: referenceExamination(item.position),
          });
        }
      }
    }
    const operations: BulkOperation[] = [
      ...batch.map((i) => ({
        action: { index: { _index: index, _id: documentId(i.queryId) } },
        body: toImpressionDocument(i),
      })),
      ...counterOperations(this.indices, shown),
      ...queryCounterOperations(this.indices, shownForQuery),
    ];
    // Scripted increments ride along: never resent after a timeout, or they would count twice.
    const results = await this.cluster.bulk(operations, { idempotent: false });
    const refused = refusedItems(results, (i) => results[i]!._id ?? String(i));
    throwIfRefused(index, refused, results.length - refused.length);
  }
}
