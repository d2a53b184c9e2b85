/**
 * The composition root: builds the backend, embedder, mappings and services from the
 * configuration. The HTTP server and every CLI command start from here, so they share
 * one way of wiring the service.
 */

import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { type AppServices, createApp } from '../api/app.ts';
import { Lifecycle } from '../api/lifecycle.ts';
import { createStores, servingEmbedderId } from '../backends/create-stores.ts';
import { CatalogService } from '../catalog/catalog-service.ts';
import { demoCatalog, demoProducts } from '../catalog/demo-catalog.ts';
import type { SearchBackend } from '../catalog/search-backend.ts';
import { type Embedder, EmbedderSlot } from '../embeddings/embedder.ts';
import { UnavailableEmbedder } from '../embeddings/unavailable-embedder.ts';
import { OnlineExperiments } from '../experiments/online-experiments.ts';
import { AdaptationTrigger, loggedEventPairs } from '../jobs/encoder-adaptation.ts';
import { JobRunner } from '../jobs/job-runner.ts';
import type { JobStore } from '../jobs/job-store.ts';
import { maintenanceJobs } from '../jobs/maintenance-jobs.ts';
import { JobScheduler } from '../jobs/scheduler.ts';
import { SuggestionRefresh } from '../jobs/suggestion-refresh.ts';
import { type MerchandisingReport, merchandisingReport } from '../merchandising/report.ts';
import { Metrics } from '../metrics/metrics.ts';
import { QualityHistory } from '../metrics/quality-history.ts';
import { FeatureSource } from '../ranking/features/feature-source.ts';
import { RankerRegistry } from '../ranking/model-registry.ts';
import { Reranker } from '../ranking/reranker.ts';
import { servesSegment } from '../ranking/serving-order.ts';
import { ShadowScorer } from '../ranking/shadow.ts';
import { RecommendationService } from '../recommend/recommendation-service.ts';
import { CatalogCalibration } from '../retrieval/catalog-calibration.ts';
import { DEFAULT_HOT_QUERY_CACHE, HotQueryCache } from '../retrieval/hot-query-cache.ts';
import { MerchandisingPreview } from '../retrieval/merchandising-preview.ts';
import type { CachedRetrieval } from '../retrieval/search-pipeline.ts';
import { SearchPipeline } from '../retrieval/search-pipeline.ts';
import { SuggestionService } from '../suggest/suggestion-service.ts';
import { EventService } from '../users/event-service.ts';
import type { EventStore } from '../users/event-store.ts';
import { loadUserIdSecret, UserIdHasher } from '../users/user-ids.ts';
import type { Config } from './config.ts';
import { createEmbedder, storedEncoder, withEmbeddingCache } from './create-embedder.ts';
import { isServiceError } from './errors.ts';
import { createLogger, type Logger, RepeatedErrorLog } from './logger.ts';
import { type Mappings, MappingsStore } from './mappings.ts';
import { MappingsEditor } from './mappings-editor.ts';

export interface Runtime {
  config: Config;
  logger: Logger;
  mappings: MappingsStore;
  /** The embedder in use; a reindex with another model swaps it. */
  embedder: EmbedderSlot;
  backend: SearchBackend;
  catalog: CatalogService;
  /** The spelling dictionary and vector noise floor learned from the stored catalog. */
  calibration: CatalogCalibration;
  search: SearchPipeline;
  merchandising: MerchandisingPreview;
  /** The serving merchandising files' report, warnings included (what GET /v1/admin/merchandising answers). */
  merchandisingReport(): Promise<MerchandisingReport>;
  /** Logs the warnings of the serving rules (after the catalog is loaded; each reload does it too). */
  logMerchandisingWarnings(): Promise<void>;
  events: EventService;
  eventStore: EventStore;
  rankers: RankerRegistry;
  reranker: Reranker;
  suggestions: SuggestionService;
  recommendations: RecommendationService;
  experiments: OnlineExperiments;
  /** Regenerates suggestions at first start and after catalog writes, once enabled (serving). */
  suggestionRefresh: SuggestionRefresh;
  jobs: { store: JobStore; runner: JobRunner; scheduler: JobScheduler };
  metrics: Metrics;
  /** Live quality samples for the console (from the /metrics counters). */
  quality: QualityHistory;
  /** Reads and saves the mappings files for the console. */
  mappingsEditor: MappingsEditor;
  /** Draining for shutdown: /readyz fails, connections close after their answer. */
  lifecycle: Lifecycle;
  /** The app; `serving` adds what a worker of several needs (write forwarding, cluster-wide /metrics). */
  createApp(serving?: ServingOptions): ReturnType<typeof createApp>;
  /** Another serving process changed the catalog: refresh what this one derived from it. */
  followCatalogChange(): void;
  close(): Promise<void>;
}

export type ServingOptions = Pick<AppServices, 'forwardWrites' | 'scrapeMetrics'> & {
  /** The writer's private listener: no per-client rate limits (the forwarding reader applied them). */
  withoutRateLimits?: boolean;
  /** Express `trust proxy` instead of TRUST_PROXY (the private listener trusts the forwarding reader). */
  trustProxy?: boolean;
};

export interface RuntimeOptions {
  logger?: Logger;
  /** Use this embedder instead of the configured one (tests, benchmarks). */
  embedder?: Embedder;
  /** Open an embedded store built with another embedder, to rebuild it (`reindex`). */
  acceptEmbedderChange?: boolean;
  /** The Elasticsearch client to use instead of one built from the configuration (tests on a fake cluster). */
  elasticsearchClient?: Client;
  /** This process changed the catalog (a serving writer tells the other workers). */
  onCatalogChange?: () => void;
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const mappings = new MappingsStore(config.mappingsDir, logger);
  let embedder: Embedder;
  try {
    embedder =
      options.embedder ??
      (await createEmbedder(
        config,
        logger,
        await servingEmbedderId(config, options.elasticsearchClient),
        options.acceptEmbedderChange,
      ));
  } catch (error) {
    mappings.close();
    throw error;
  }
  const { kind, ef_search, cell_size, probes } = mappings.current.search.vector_index;
  const slot = new EmbedderSlot(embedder);
  const stores = createStores(config, {
    embedder,
    logger,
    vectorIndex: { kind, expansionSearch: ef_search, cellSize: cell_size, probes },
    ...(options.acceptEmbedderChange && { acceptEmbedderChange: true }),
    ...(options.elasticsearchClient && { client: options.elasticsearchClient }),
    // Another process (`ingest`, `encoder train`) switched to a generation of an adapted encoder.
    resolveEmbedder: (storedId) => {
      let adapted: Embedder | undefined;
      try {
        adapted = storedEncoder(config, storedId);
      } catch (error) {
        if (!isServiceError(error, 'invalid_model')) throw error;
        // Its vectors are in the new generation: keywords alone rather than another model's queries.
        logger.error(
          { embedder: storedId, reason: error.message },
          `the encoder the new index generation was built with cannot be used: ${error.message}; serving keyword search alone`,
        );
        adapted = new UnavailableEmbedder(storedId, error.message);
      }
      if (adapted) {
        slot.current = adapted;
        setImmediate(() => calibration.changed());
        logger.info(
          { embedder: storedId },
          'serving with the encoder the new index generation was built with',
        );
      }
      return adapted;
    },
  });
  const { backend, events: eventStore, jobs: jobStore } = stores;
  try {
    await backend.open();
  } catch (error) {
    mappings.close();
    embedder.close?.();
    await stores.close().catch(() => undefined);
    throw error;
  }
  const where =
    backend.kind === 'elasticsearch' ? { alias: config.elasticsearch?.alias } : { dataDir: config.dataDir };
  logger.info({ backend: backend.kind, embedder: embedder.id, ...where }, 'search backend open');
  const metrics = new Metrics();
  const hotQueries = new HotQueryCache<CachedRetrieval>({
    ...DEFAULT_HOT_QUERY_CACHE,
    onHit: () => metrics.searchCacheHits.inc(),
    onMiss: () => metrics.searchCacheMisses.inc(),
    onInvalidate: (reason) => metrics.searchCacheInvalidations.inc({ reason }),
  });
  metrics.watchSearchCache(() => hotQueries.size);
  const calibration = new CatalogCalibration(backend, slot, logger, () => hotQueries.invalidate('catalog'));
  const catalog = new CatalogService(backend, slot, {
    onChange: () => {
      hotQueries.invalidate('catalog');
      options.onCatalogChange?.();
      calibration.changed();
      adaptationTrigger.noteWrite();
      suggestionRefresh.noteCatalogChange();
    },
    demoIds: new Set(demoProducts().map((p) => p.id)),
    onDemoReplaced: () => {
      declineDemoCatalog(config);
      adaptationTrigger.arm();
    },
  });
  const hasher = new UserIdHasher(loadUserIdSecret(config.userIdSecret, config.dataDir));
  const rankers = new RankerRegistry(config.modelsDir);
  const shadow = new ShadowScorer(
    rankers,
    () => mappings.current.search.ranking.shadow,
    logger,
    (report) => metrics.setShadow(report),
  );
  const events = new EventService(eventStore, hasher, backend, {
    halfLifeDays: config.profileHalfLifeDays,
    window: config.events,
    onStored: (stored) => {
      metrics.observeEvents(stored);
      shadow.observeEvents(stored);
      experiments
        .credit(stored, (queryId) => eventStore.impression(queryId))
        .then((credits) => {
          for (const c of credits) metrics.experimentActions.inc(c);
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'experiment credit not counted'));
    },
  });
  // Elasticsearch: fold what a crash left stored but not yet in profiles (SQLite never has any).
  void events.foldPending().then(
    (folded) => folded > 0 && logger.info({ events: folded }, 'folded events a crash had left unfolded'),
    (error) =>
      logger.warn(
        { err: error },
        'could not fold pending events yet; a resent batch or `profiles rebuild` will',
      ),
  );
  const reranker = new Reranker(
    rankers,
    logger,
    {
      onFallback: (reason) => metrics.rankingFallbacks.inc({ reason }),
      onModel: (model) => {
        hotQueries.invalidate('model');
        metrics.setRankingModel(
          model && {
            version: model.version,
            backend: model.metadata.tensorflow.backend,
            source: model.metadata.training.source,
            ...(model.metadata.training.position_propensity && {
              propensities: model.metadata.training.position_propensity,
              propensityMethod: model.metadata.training.propensity?.method ?? 'em',
            }),
            serves: {
              with_history: servesSegment(model.metadata, 'with_history'),
              without_history: servesSegment(model.metadata, 'without_history'),
            },
          },
        );
      },
    },
    shadow,
  );
  reranker.load();
  reranker.watch();
  const embedderErrors = new RepeatedErrorLog(logger);
  const experiments = new OnlineExperiments({
    settings: () => mappings.current.experiments,
    reranker,
    registry: rankers,
    logger,
  });
  const features = new FeatureSource(eventStore, hasher);
  const recommendations = new RecommendationService({
    backend,
    embedder: slot,
    events: eventStore,
    features,
    rules: () => mappings.current.rules,
  });
  const search = new SearchPipeline(
    {
      backend,
      embedder: slot,
      settings: () => mappings.current,
      ranking: { reranker, features, events: eventStore, experiments },
      calibration,
      observer: {
        search: (observation) => metrics.observeSearch(observation),
        embedderError: (error) => {
          metrics.embedderErrors.inc();
          embedderErrors.error(
            error instanceof Error ? error.message : String(error),
            { err: error },
            'embedding the query failed; searching with BM25 alone',
          );
        },
      },
    },
    hotQueries,
  );
  const merchandising = new MerchandisingPreview({
    search,
    backend,
    events: eventStore,
    current: () => ({ snapshot: mappings.current, files: mappings.current.files }),
  });
  const report = (current: Mappings) => merchandisingReport(current, current.files.rules, backend);
  /**
   * What the merchandising files need outside the search path: the synonym set of an engine
   * that applies synonyms itself, and the rule ids the firing metric may count.
   */
  const applyMerchandising = async (current: Mappings) => {
    metrics.setRuleIds(current.rules.ids);
    try {
      await backend.setSynonyms(current.synonyms.lines.map((line) => line.rule));
    } catch (error) {
      logger.error(
        { err: error },
        'the synonym set could not be updated; it is sent again at the next reload',
      );
    }
  };
  /** Pins and hides of products the catalog does not have: warned about, the rules still serve. */
  const logMerchandisingWarnings = async () => {
    try {
      for (const warning of (await report(mappings.current)).warnings)
        logger.warn({ warning }, 'merchandising rules');
    } catch (error) {
      logger.warn({ err: error }, 'the products named by pins and hides could not be checked');
    }
  };
  await applyMerchandising(mappings.current);
  mappings.onReload(() => hotQueries.invalidate('settings'));
  mappings.onReload((current) => {
    void applyMerchandising(current).then(logMerchandisingWarnings);
  });
  const suggestions = new SuggestionService(
    stores.suggestions,
    eventStore,
    backend,
    () => mappings.current.suggestionBlocklist,
  );
  suggestions.load();
  mappings.onReload(() => suggestions.applyBlocklist());
  const runner = new JobRunner(
    jobStore,
    maintenanceJobs({
      config,
      settings: () => mappings.current.jobs,
      catalog,
      eventStore,
      suggestions,
      rankers,
      reranker,
      adaptation: {
        backend,
        embedder: slot,
        wrap: (encoder) => withEmbeddingCache(config, encoder),
        eventPairs: () => loggedEventPairs(eventStore, backend, 90, logger),
      },
      onAdaptation: (event) => metrics.observeAdaptation(event),
      searchSettings: () => mappings.current.search,
      candidates: (q, userHashes) => search.candidates(q, userHashes),
      recommendations: { backend, embedder: slot, onRebuilt: () => recommendations.listsChanged() },
      experiments: () => mappings.current.experiments,
    }),
    logger,
    {
      lockTtlMs: mappings.current.jobs.lock_ttl_seconds * 1000,
      observer: { finished: (run) => metrics.observeJob(run) },
    },
  );
  const adaptationTrigger = new AdaptationTrigger(
    () => runner.start('reindex', 'catalog'),
    logger,
    () => mappings.current.jobs.jobs.reindex.adapt_encoder.after_quiet_seconds * 1000,
  );
  const suggestionRefresh = new SuggestionRefresh((trigger) => runner.start('suggestions', trigger), logger);
  const scheduler = new JobScheduler(runner, () => mappings.current.jobs, logger);
  mappings.onReload(() => scheduler.restart());
  const lifecycle = new Lifecycle();
  const quality = new QualityHistory(metrics);
  quality.start();
  const mappingsEditor = new MappingsEditor(config.mappingsDir, mappings);
  const runtime: Runtime = {
    config,
    logger,
    mappings,
    embedder: slot,
    backend,
    catalog,
    calibration,
    search,
    merchandising,
    merchandisingReport: () => report(mappings.current),
    logMerchandisingWarnings,
    events,
    eventStore,
    rankers,
    reranker,
    suggestions,
    recommendations,
    experiments,
    suggestionRefresh,
    jobs: { store: jobStore, runner, scheduler },
    metrics,
    quality,
    mappingsEditor,
    lifecycle,
    followCatalogChange: () => {
      hotQueries.invalidate('catalog');
      calibration.changed();
    },
    createApp: (serving = {}) =>
      createApp({
        limits: {
          ...config.http,
          ...(serving.withoutRateLimits && { rateLimit: undefined }),
          ...(serving.trustProxy !== undefined && { trustProxy: serving.trustProxy }),
        },
        ...(serving.forwardWrites && { forwardWrites: serving.forwardWrites }),
        ...(serving.scrapeMetrics && { scrapeMetrics: serving.scrapeMetrics }),
        lifecycle,
        backend,
        catalog,
        search,
        settings: () => mappings.current,
        events,
        suggestions,
        recommendations,
        metrics,
        logger,
        merchandising: { preview: merchandising, report: () => report(mappings.current) },
        console: {
          models: { rankers, modelsDir: config.modelsDir, reloadServing: () => reranker.load() },
          mappingsFiles: mappingsEditor,
          quality: { history: quality, rankers },
        },
        admin: {
          apiKey: config.adminApiKey,
          runner,
          store: jobStore,
          scheduler,
          schedulerEnabled: config.jobsScheduler,
          suggestions,
        },
      }),
    close: async () => {
      quality.stop();
      scheduler.stop();
      suggestionRefresh.close();
      adaptationTrigger.close();
      calibration.close();
      await runner.shutdown(30_000);
      mappings.close();
      reranker.close();
      await stores.close();
      embedder.close?.();
    },
  };
  return runtime;
}

const DEMO_DECLINED = 'demo-catalog.declined';

/** The store had a shop's own catalog (or was cleared on purpose): an empty store stays empty. */
export function declineDemoCatalog(config: Config): void {
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(path.join(config.dataDir, DEMO_DECLINED), `${new Date().toISOString()}\n`);
}

/**
 * First start: an empty store gets the demo catalog so the first search shows results,
 * unless the store has held a shop's own catalog or was cleared on purpose.
 */
export async function loadDemoCatalogIfEmpty(runtime: Runtime): Promise<number> {
  const { config } = runtime;
  if (config.demoCatalog === 'off' || fs.existsSync(path.join(config.dataDir, DEMO_DECLINED))) return 0;
  if ((await runtime.backend.countProducts()) > 0) return 0;
  const report = await runtime.catalog.ingest(demoCatalog());
  runtime.logger.info({ products: report.accepted }, 'demo catalog loaded');
  return report.accepted;
}

/**
 * What `serve` does before it listens: the demo catalog on a first start, the vector index
 * checked, the catalog calibration started, live reload of mappings/, the job schedules
 * and suggestions (generated now when there are none, so autocomplete works at once).
 * A reader worker (WORKERS > 1) leaves the store's start-up work, the jobs and the
 * suggestion refresh to the writer, which did them before the readers were started.
 */
export async function prepareToServe(runtime: Runtime, role: 'writer' | 'reader' = 'writer'): Promise<void> {
  const writer = role === 'writer';
  try {
    if (writer) {
      await loadDemoCatalogIfEmpty(runtime);
      await runtime.logMerchandisingWarnings();
      const optimized = await runtime.backend.optimize();
      if (optimized.rebuilt) runtime.logger.info(optimized, 'vector index rebuilt');
    }
    // Spelling dictionary and vector noise floor: searches are served meanwhile, uncorrected.
    void runtime.calibration.refresh();
  } catch (error) {
    // A cluster that is down at start-up is not fatal: /readyz fails and searches answer 503
    // until it returns. Anything else is.
    if (!isServiceError(error, 'backend_unavailable')) throw error;
    runtime.logger.warn(
      { err: error },
      'search backend unavailable at start-up; serving 503 until it returns',
    );
  }
  runtime.mappings.watch();
  if (!writer) return;
  if (runtime.config.jobsScheduler) runtime.jobs.scheduler.start();
  runtime.suggestionRefresh.enable(runtime.suggestions.generatedAt);
}
