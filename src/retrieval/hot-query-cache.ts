/**
 * The hot-query cache: the shopper-independent first phase of a search (rules matched,
 * analysis, both legs, summaries, fusion, candidate facet rows) kept in memory for requests
 * that repeat. The second phase (features, the ranker, experiments, pins, the page) still
 * runs on every search, so personalization and experiment arms are unaffected: a cached
 * entry never holds anything that depends on who searches.
 *
 * An entry is dropped when it is older than the TTL (campaign windows of rules open and
 * close with the clock) and all of them at once on `invalidate(reason)`: a catalog write or
 * index generation, a reload of the tuning files, a model promotion. Another process's
 * changes reach it through the same call (docs/adr/0010).
 */
import { LRUMap } from 'mnemonist';
import type { SearchRequest } from './search-request.ts';

export type InvalidationReason = 'catalog' | 'settings' | 'model' | 'other';

export interface HotQueryCacheOptions {
  maxEntries: number;
  ttlMs: number;
  onHit?: () => void;
  onMiss?: () => void;
  onInvalidate?: (reason: InvalidationReason) => void;
  now?: () => number;
}

export const DEFAULT_HOT_QUERY_CACHE: Pick<HotQueryCacheOptions, 'maxEntries' | 'ttlMs'> = {
  maxEntries: 1000,
  ttlMs: 60_000,
};

interface Entry<T> {
  value: T;
  storedAt: number;
  epoch: number;
}

/** JSON with object keys in sorted order, so equal filters in another key order share an entry. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The part of a request the first phase reads: not the shopper (userId, sessionId), not
 * `rerank` or `explain`, which only the second phase reads. The embedder id is part of the
 * key, so a switch to another encoder never serves the previous one's neighbours.
 */
export function hotQueryKey(request: SearchRequest, embedderId: string): string {
  return canonical({
    q: request.q.trim().replace(/\s+/g, ' '),
    filters: request.filters,
    facets: [...request.facets].sort(),
    page: request.page,
    size: request.size,
    sort: request.sort,
    fusion: request.fusion,
    autocorrect: request.autocorrect,
    embedder: embedderId,
  });
}

export class HotQueryCache<T> {
  private readonly entries: LRUMap<string, Entry<T>>;
  /** Bumped by every invalidation: a result computed across one is not stored. */
  private epoch = 0;
  private readonly now: () => number;

  constructor(private readonly options: HotQueryCacheOptions) {
    this.entries = new LRUMap(Math.max(1, options.maxEntries));
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The epoch to pass back to `set`, taken before the work whose result is stored. */
  get currentEpoch(): number {
    return this.epoch;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.epoch === this.epoch && this.now() - entry.storedAt < this.options.ttlMs) {
      this.options.onHit?.();
      return entry.value;
    }
    this.options.onMiss?.();
    return undefined;
  }

  /** Stores a result unless an invalidation happened while it was computed. */
  set(key: string, value: T, epoch: number): void {
    if (epoch !== this.epoch) return;
    this.entries.set(key, { value, storedAt: this.now(), epoch });
  }

  /** Drops every entry (another process may call this on a notification of its own). */
  invalidate(reason: InvalidationReason): void {
    this.epoch++;
    this.entries.clear();
    this.options.onInvalidate?.(reason);
  }
}
