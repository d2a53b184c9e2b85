/**
 * Live ranking quality over time for the console's charts, read from the same counters
 * that /metrics exports: searches and zero-result searches (their deltas between samples),
 * search latency (the /v1/search request histogram: mean and p95 of each interval), and the
 * online tracker's windowed CTR by position, first-click MRR and purchases per search.
 * Samples are taken every `intervalMs` and on each read (at most one a second), in a ring
 * of `points`, so memory stays bounded however long the service runs. The report adds the
 * top queries and zero-result queries of the last hour or two (query-stats.ts).
 */
import type { Metrics } from './metrics.ts';

export interface QualitySample {
  at: string;
  /** Searches (all modes) since the previous sample. */
  searches: number;
  zero_result_rate: number | null;
  /** Of /v1/search requests since the previous sample (null: none). */
  search_latency_ms: { mean: number; p95: number | null } | null;
  ctr_at_1: number;
  first_click_mrr: number;
  purchases_per_search: number;
}

interface Totals {
  searches: number;
  zeroResults: number;
  latencyCount: number;
  latencySum: number;
  /** Cumulative counts per bucket upper bound (seconds), /v1/search only. */
  buckets: Map<number, number>;
}

const SEARCH_ROUTE = '/v1/search';

function sum(values: { value: number }[]): number {
  return values.reduce((total, v) => total + v.value, 0);
}

/** The bucket bound (ms) under which 95% of the interval's requests finished (null: over the last bound). */
function p95(now: Map<number, number>, before: Map<number, number>, count: number): number | null {
  const target = 0.95 * count;
  for (const [bound, cumulative] of [...now].sort((a, b) => a[0] - b[0]))
    if (cumulative - (before.get(bound) ?? 0) >= target) return Number.isFinite(bound) ? bound * 1000 : null;
  return null;
}

export class QualityHistory {
  private readonly samples: QualitySample[] = [];
  private last: { at: number; totals: Totals } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metrics: Metrics,
    readonly intervalMs = 15_000,
    private readonly points = 240,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async totals(): Promise<Totals> {
    const [searches, zero, latency] = await Promise.all([
      this.metrics.searches.get(),
      this.metrics.zeroResultSearches.get(),
      this.metrics.httpRequestDuration.get(),
    ]);
    const buckets = new Map<number, number>();
    let latencyCount = 0;
    let latencySum = 0;
    for (const v of latency.values) {
      if (v.labels.route !== SEARCH_ROUTE) continue;
      if (v.metricName?.endsWith('_count')) latencyCount += v.value;
      else if (v.metricName?.endsWith('_sum')) latencySum += v.value;
      else if (v.metricName?.endsWith('_bucket')) {
        const le = (v.labels as { le?: string | number }).le;
        const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
        buckets.set(bound, (buckets.get(bound) ?? 0) + v.value);
      }
    }
    return {
      searches: sum(searches.values),
      zeroResults: sum(zero.values),
      latencyCount,
      latencySum,
      buckets,
    };
  }

  /** Takes a sample now (skipped within a second of the last one). */
  async sample(now = Date.now()): Promise<void> {
    if (this.last && now - this.last.at < 1000) return;
    const totals = await this.totals();
    const before = this.last?.totals ?? {
      searches: 0,
      zeroResults: 0,
      latencyCount: 0,
      latencySum: 0,
      buckets: new Map(),
    };
    const online = this.metrics.online.snapshot(now);
    const searches = totals.searches - before.searches;
    const requests = totals.latencyCount - before.latencyCount;
    this.samples.push({
      at: new Date(now).toISOString(),
      searches,
      zero_result_rate: searches > 0 ? (totals.zeroResults - before.zeroResults) / searches : null,
      search_latency_ms:
        requests > 0
          ? {
              mean: ((totals.latencySum - before.latencySum) / requests) * 1000,
              p95: p95(totals.buckets, before.buckets, requests),
            }
          : null,
      ctr_at_1: online.ctrByPosition[0] ?? 0,
      first_click_mrr: online.meanReciprocalRank,
      purchases_per_search: online.purchasesPerSearch,
    });
    if (this.samples.length > this.points) this.samples.splice(0, this.samples.length - this.points);
    this.last = { at: now, totals };
  }

  /** The series so far and the windowed numbers as of now. */
  async report() {
    await this.sample();
    const online = this.metrics.online.snapshot();
    const totals = this.last!.totals;
    return {
      interval_seconds: this.intervalMs / 1000,
      window_minutes: this.metrics.online.windowMinutes,
      current: {
        searches_in_window: online.searches,
        ctr_by_position: online.ctrByPosition,
        first_click_mrr: online.meanReciprocalRank,
        purchases_per_search: online.purchasesPerSearch,
        searches_total: totals.searches,
        zero_result_rate_total: totals.searches > 0 ? totals.zeroResults / totals.searches : null,
      },
      series: [...this.samples],
      ...this.metrics.queries.report(),
    };
  }
}
