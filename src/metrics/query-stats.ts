/**
 * The console's top queries and zero-result queries: per served search with query text
 * (previews and browse requests are not counted), its normalized text and whether it found
 * nothing. In memory only, never exported to /metrics (query texts are not label values)
 * and shown to admins only.
 *
 * Bounded whatever the input: counts live in two hourly generations (the current hour and
 * the one before; at each hour's turn the older one is dropped), and the two together hold
 * at most `maxTexts` distinct texts. A new text arriving when full first evicts a tenth of
 * the cap, the least searched texts (the least recently searched among equals), from the
 * older generation, then from the current one, so a flood of one-off texts cannot push
 * out the texts searched often, and an eviction's sort is paid once per `maxTexts / 10`
 * new texts.
 */

export const MAX_QUERY_TEXTS = 5000;
export const MAX_QUERY_TEXT_LENGTH = 100;
const HOUR_MS = 3_600_000;
const TOP = 20;

interface QueryCount {
  searches: number;
  zeroResults: number;
  /** Epoch ms of the latest search, the tie-break of eviction. */
  last: number;
}

export interface TopQuery {
  text: string;
  searches: number;
  /** Of its searches, the share that found nothing. */
  zero_result_share: number;
}

export interface ZeroResultQuery {
  text: string;
  /** Searches of the text that found nothing. */
  zero_result_searches: number;
  searches: number;
}

export interface QueryStatsReport {
  query_window: { since: string; distinct_texts: number; max_distinct_texts: number };
  top_queries: TopQuery[];
  zero_result_queries: ZeroResultQuery[];
}

/** Lower case, whitespace collapsed and trimmed, at most 100 characters (code points). */
export function normalizeQueryText(text: string): string {
  const collapsed = text.normalize('NFC').toLowerCase().replace(/\s+/gu, ' ').trim();
  if (collapsed.length <= MAX_QUERY_TEXT_LENGTH) return collapsed;
  return Array.from(collapsed).slice(0, MAX_QUERY_TEXT_LENGTH).join('').trimEnd();
}

export class QueryStats {
  private current = new Map<string, QueryCount>();
  private previous = new Map<string, QueryCount>();
  private currentStart: number;
  private readonly started: number;

  constructor(
    readonly maxTexts = MAX_QUERY_TEXTS,
    private readonly generationMs = HOUR_MS,
    now = Date.now(),
  ) {
    this.currentStart = now;
    this.started = now;
  }

  /** Distinct texts held now (both generations). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  private rotate(now: number): void {
    if (now - this.currentStart < this.generationMs) return;
    const generations = Math.floor((now - this.currentStart) / this.generationMs);
    this.previous = generations === 1 ? this.current : new Map();
    this.current = new Map();
    this.currentStart += generations * this.generationMs;
  }

  /** Drops the least searched tenth of the cap, the older generation's first. */
  private evict(): void {
    let toDrop = Math.max(1, Math.ceil(this.maxTexts / 10));
    for (const generation of [this.previous, this.current]) {
      if (toDrop === 0) break;
      const victims = [...generation]
        .sort((a, b) => a[1].searches - b[1].searches || a[1].last - b[1].last)
        .slice(0, toDrop);
      for (const [text] of victims) generation.delete(text);
      toDrop -= victims.length;
    }
  }

  /** One served search: `text` as typed (empty: not counted). */
  record(text: string, zeroResults: boolean, now = Date.now()): void {
    const normalized = normalizeQueryText(text);
    if (!normalized) return;
    this.rotate(now);
    let count = this.current.get(normalized);
    if (!count) {
      if (this.size >= this.maxTexts) this.evict();
      count = { searches: 0, zeroResults: 0, last: now };
      this.current.set(normalized, count);
    }
    count.searches += 1;
    if (zeroResults) count.zeroResults += 1;
    count.last = now;
  }

  report(now = Date.now()): QueryStatsReport {
    this.rotate(now);
    const merged = new Map<string, { searches: number; zeroResults: number }>();
    for (const generation of [this.previous, this.current])
      for (const [text, count] of generation) {
        const total = merged.get(text) ?? { searches: 0, zeroResults: 0 };
        total.searches += count.searches;
        total.zeroResults += count.zeroResults;
        merged.set(text, total);
      }
    const rows = [...merged];
    const byText = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    const top = rows
      .sort((a, b) => b[1].searches - a[1].searches || byText(a, b))
      .slice(0, TOP)
      .map(([text, c]) => ({ text, searches: c.searches, zero_result_share: c.zeroResults / c.searches }));
    const zero = rows
      .filter(([, c]) => c.zeroResults > 0)
      .sort((a, b) => b[1].zeroResults - a[1].zeroResults || b[1].searches - a[1].searches || byText(a, b))
      .slice(0, TOP)
      .map(([text, c]) => ({ text, zero_result_searches: c.zeroResults, searches: c.searches }));
    const since = Math.max(this.started, this.currentStart - this.generationMs);
    return {
      query_window: {
        since: new Date(since).toISOString(),
        distinct_texts: this.size,
        max_distinct_texts: this.maxTexts,
      },
      top_queries: top,
      zero_result_queries: zero,
    };
  }
}
