/**
 * Prometheus metrics (prom-client). One registry per service instance, so tests can run
 * several apps in one process. Names use base units and `_total` for counters; label
 * values are bounded (routes are templates; never a query text or a user id). Query texts
 * are counted apart, in memory only, for the console (`queries`, query-stats.ts).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { JobRun } from '../jobs/job-store.ts';
import type { ShadowReport } from '../ranking/model-registry.ts';
import type { SearchObservation } from '../retrieval/stages/stage.ts';
import type { StoredEvent } from '../users/events.ts';
import { OnlineQualityTracker, TRACKED_POSITIONS } from './online-quality.ts';
import { QueryStats } from './query-stats.ts';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class Metrics {
  /**
   * WORKERS > 1: a scrape sums every worker's metrics (prom-client's AggregatorRegistry);
   * gauges that are a process's state, not a count, say `aggregator: 'max'` or 'average'.
   */
  readonly registry = new Registry();
  readonly online: OnlineQualityTracker;
  /** Top and zero-result query texts of the last hour or two (bounded; never exported). */
  readonly queries = new QueryStats();

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly searchStageDuration = new Histogram({
    name: 'search_stage_duration_seconds',
    help: 'Duration of each stage of the search path (embed, bm25, knn, fuse, features, rerank, ...).',
    labelNames: ['stage'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly searches = new Counter({
    name: 'search_requests_total',
    help: 'Searches served, by mode (hybrid: with query text; browse: filters only).',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });

  readonly searchCacheHits = new Counter({
    name: 'search_cache_hits_total',
    help: 'Searches whose retrieval and fusion came from the hot-query cache.',
    registers: [this.registry],
  });

  readonly searchCacheMisses = new Counter({
    name: 'search_cache_misses_total',
    help: 'Cacheable searches that ran retrieval and fusion (previews and explain are not counted).',
    registers: [this.registry],
  });

  readonly searchCacheInvalidations = new Counter({
    name: 'search_cache_invalidations_total',
    help: 'Times the hot-query cache was emptied, by reason (catalog, settings, model, other).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly zeroResultSearches = new Counter({
    name: 'search_zero_results_total',
    help: 'Searches that found nothing.',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });

  readonly searchResults = new Histogram({
    name: 'search_results',
    help: 'Candidates (hybrid) or matching products (browse) per search.',
    buckets: [0, 1, 5, 10, 20, 50, 100, 200, 500, 1000, 10_000],
    registers: [this.registry],
  });

  readonly rankingFallbacks = new Counter({
    name: 'search_ranking_fallbacks_total',
    help: 'Searches served in fused order because the ranking model was missing, broken or switched off.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly rankingPositionShift = new Histogram({
    name: 'search_rerank_position_shift',
    help: 'How many places the ranking model moved each shown hit from its fused position.',
    buckets: [0, 1, 2, 3, 5, 10, 20, 50, 100],
    registers: [this.registry],
  });

  readonly rankingModelInfo = new Gauge({
    name: 'ranking_model_info',
    help: 'The serving ranking model (value 1), its version and the TensorFlow.js backend it was trained on.',
    labelNames: ['version', 'tfjs_backend', 'source'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  readonly rankingPropensity = new Gauge({
    name: 'ranking_examination_propensity',
    help: 'Examination probability by result position (1-10) the serving ranking model was trained with, measured from the randomized share of searches.',
    labelNames: ['position', 'method'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  readonly rankingSegmentServed = new Gauge({
    name: 'ranking_model_serves_segment',
    help: 'Whether the serving ranking model reorders results for a shopper segment (1) or its gate kept the fused order for it (0).',
    labelNames: ['segment'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  readonly shadow = {
    searches: this.shadowGauge('ranking_shadow_searches', 'Searches the ranking model in shadow has scored.'),
    searchesNeeded: this.shadowGauge(
      'ranking_shadow_searches_needed',
      'Searches the ranking model in shadow scores before it is promoted or rejected.',
    ),
    clicks: this.shadowGauge('ranking_shadow_clicks', 'Clicks on the searches the model in shadow scored.'),
    meanDisplacement: this.shadowGauge(
      'ranking_shadow_mean_displacement',
      'Mean |shadow position - served position| over the served top 10 of shadowed searches.',
    ),
    overlap: this.shadowGauge(
      'ranking_shadow_overlap_at_10',
      'Mean share of the served top 10 that the shadow order also has in its top 10.',
    ),
    clickRatio: this.shadowGauge(
      'ranking_shadow_click_ratio',
      "Inverse-propensity estimate of the shadow order's clicks relative to the served order's.",
    ),
  };

  readonly experimentSearches = new Counter({
    name: 'experiment_searches_total',
    help: 'Searches served in an online experiment, by arm (`interleaved` for interleaving).',
    labelNames: ['experiment', 'arm'] as const,
    registers: [this.registry],
  });

  readonly experimentActions = new Counter({
    name: 'experiment_actions_total',
    help: "Clicks and purchases credited to an experiment's arm (interleaving: the arm that contributed the product).",
    labelNames: ['experiment', 'arm', 'action'] as const,
    registers: [this.registry],
  });

  readonly shadowDecisions = new Counter({
    name: 'ranking_shadow_decisions_total',
    help: 'Ranking models promoted or rejected at the end of their shadow phase.',
    labelNames: ['decision'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'job_duration_seconds',
    help: 'Duration of maintenance job runs.',
    labelNames: ['job', 'status'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  readonly jobLastSuccess = new Gauge({
    name: 'job_last_success_timestamp_seconds',
    help: 'When each maintenance job last succeeded (Unix time).',
    labelNames: ['job'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });

  readonly jobFailures = new Counter({
    name: 'job_failures_total',
    help: 'Maintenance job runs that failed or were aborted.',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  readonly encoderAdaptationProgress = new Gauge({
    name: 'encoder_adaptation_progress',
    help: 'Share of the running encoder adaptation (training on the stored catalog) done, 0..1; 1 when none runs.',
    aggregator: 'max',
    registers: [this.registry],
  });

  readonly encoderAdaptations = new Counter({
    name: 'encoder_adaptations_total',
    help: 'Encoder adaptations to the stored catalog, by outcome (adapted: the new generation serves).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly embedderErrors = new Counter({
    name: 'embedder_errors_total',
    help: 'Failed embedding calls (searches then run on BM25 alone).',
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'http_rate_limited_total',
    help: 'Requests refused with 429 because one client went over its per-minute limit.',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly shedRequests = new Counter({
    name: 'http_shed_requests_total',
    help: 'Requests answered 503 by the concurrency guard (too many at once) instead of queueing.',
    registers: [this.registry],
  });

  readonly backendErrors = new Counter({
    name: 'search_backend_errors_total',
    help: 'Requests that failed because the search backend was unreachable or overloaded.',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });

  readonly ruleFirings = new Counter({
    name: 'merchandising_rule_firings_total',
    help: 'Searches a merchandising rule fired on, by rule id (the ids of mappings/rules.yaml).',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  /** Rule ids of the loaded rules.yaml: firings are counted for these only. */
  private ruleIds = new Set<string>();

  /** The hot-query cache's size, read at each scrape. */
  watchSearchCache(entries: () => number): void {
    new Gauge({
      name: 'search_cache_entries',
      help: 'Entries in the hot-query cache.',
      registers: [this.registry],
      collect() {
        this.set(entries());
      },
    });
  }

  constructor(windowMinutes = 60) {
    collectDefaultMetrics({ register: this.registry });
    this.encoderAdaptationProgress.set(1);
    this.online = new OnlineQualityTracker(windowMinutes);
    const online = this.online;
    new Gauge({
      name: 'search_ctr_by_position',
      help: `Click-through rate of each result position (1-${TRACKED_POSITIONS}) over the last ${windowMinutes} minutes.`,
      labelNames: ['position'] as const,
      aggregator: 'average',
      registers: [this.registry],
      collect() {
        for (const [p, ctr] of online.snapshot().ctrByPosition.entries())
          this.set({ position: String(p + 1) }, ctr);
      },
    });
    new Gauge({
      name: 'search_first_click_mrr',
      help: `Mean reciprocal rank of the first click of searches with a click, last ${windowMinutes} minutes.`,
      aggregator: 'average',
      registers: [this.registry],
      collect() {
        this.set(online.snapshot().meanReciprocalRank);
      },
    });
    new Gauge({
      name: 'search_purchases_per_search',
      help: `Purchases joined to a search, per search, last ${windowMinutes} minutes.`,
      aggregator: 'average',
      registers: [this.registry],
      collect() {
        this.set(online.snapshot().purchasesPerSearch);
      },
    });
  }

  observeSearch(observation: SearchObservation): void {
    this.searches.inc({ mode: observation.mode });
    if (observation.total === 0) this.zeroResultSearches.inc({ mode: observation.mode });
    this.searchResults.observe(observation.total);
    for (const [stage, ms] of Object.entries(observation.stages))
      this.searchStageDuration.observe({ stage }, ms / 1000);
    for (const shift of observation.positionShifts) this.rankingPositionShift.observe(shift);
    if (observation.experiment)
      this.experimentSearches.inc({ experiment: observation.experiment.id, arm: observation.experiment.arm });
    for (const rule of observation.rules) if (this.ruleIds.has(rule)) this.ruleFirings.inc({ rule });
    if (observation.mode === 'hybrid') {
      this.online.recordSearch(observation.queryId, observation.shown, Date.now(), observation.firstPosition);
      this.queries.record(observation.query, observation.total === 0);
    }
  }

  observeEvents(events: readonly StoredEvent[]): void {
    this.online.recordEvents(events);
  }

  observeAdaptation(event: { progress?: number; outcome?: 'adapted' | 'failed' }): void {
    if (event.progress !== undefined) this.encoderAdaptationProgress.set(event.progress);
    if (event.outcome) {
      this.encoderAdaptations.inc({ outcome: event.outcome });
      this.encoderAdaptationProgress.set(1);
    }
  }

  observeJob(run: JobRun): void {
    this.jobDuration.observe({ job: run.job, status: run.status }, run.durationSeconds ?? 0);
    if (run.status === 'succeeded')
      this.jobLastSuccess.set({ job: run.job }, Date.parse(run.finishedAt ?? run.startedAt) / 1000);
    else this.jobFailures.inc({ job: run.job });
  }

  /**
   * The rule ids of the rules.yaml now in force: the label values stay bounded by the file,
   * and the series of a rule taken out of it go too.
   */
  setRuleIds(ids: readonly string[]): void {
    const next = new Set(ids);
    for (const id of this.ruleIds) if (!next.has(id)) this.ruleFirings.remove({ rule: id });
    this.ruleIds = next;
  }

  /** The info metric: exactly one series, for the model serving now (none without a model). */
  setRankingModel(
    model:
      | {
          version: string;
          backend: string;
          source: string;
          propensities?: readonly number[];
          propensityMethod?: string;
          serves?: { with_history: boolean; without_history: boolean };
        }
      | undefined,
  ): void {
    this.rankingModelInfo.reset();
    this.rankingPropensity.reset();
    this.rankingSegmentServed.reset();
    if (!model) return;
    this.rankingModelInfo.set(
      { version: model.version, tfjs_backend: model.backend, source: model.source },
      1,
    );
    model.propensities?.slice(0, 10).forEach((theta, k) => {
      this.rankingPropensity.set(
        { position: String(k + 1), method: model.propensityMethod ?? 'unknown' },
        theta,
      );
    });
    if (model.serves) {
      this.rankingSegmentServed.set({ segment: 'with_history' }, model.serves.with_history ? 1 : 0);
      this.rankingSegmentServed.set({ segment: 'without_history' }, model.serves.without_history ? 1 : 0);
    }
  }

  /** The model in shadow and its report so far (none: the gauges are empty); a decision is counted. */
  setShadow(report: ShadowReport | undefined): void {
    for (const gauge of Object.values(this.shadow)) gauge.reset();
    if (!report) return;
    if (report.status === 'promoted' || report.status === 'rejected') {
      this.shadowDecisions.inc({ decision: report.status });
      return;
    }
    const labels = { version: report.version };
    this.shadow.searches.set(labels, report.searches);
    this.shadow.searchesNeeded.set(labels, report.searches_needed);
    this.shadow.clicks.set(labels, report.clicks);
    this.shadow.meanDisplacement.set(labels, report.mean_displacement);
    this.shadow.overlap.set(labels, report.overlap_at_10);
    this.shadow.clickRatio.set(labels, report.click_ratio);
  }

  private shadowGauge(name: string, help: string): Gauge<'version'> {
    return new Gauge({
      name,
      help,
      labelNames: ['version'] as const,
      registers: [this.registry],
      aggregator: 'max',
    });
  }
}
