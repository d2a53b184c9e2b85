/**
 * The composition root: builds the backend, embedder, mappings and services from the
 * configuration. The HTTP server and every CLI command start from here, so they share
 * one way of wiring the service.
 */
import { createApp } from '../api/app.ts';
import { Lifecycle } from '../api/lifecycle.ts';
import { createStores } from '../backends/create-stores.ts';
import { CatalogService } from '../catalog/catalog-service.ts';
import { demoCatalog } from '../catalog/demo-catalog.ts';
import type { SearchBackend } from '../catalog/search-backend.ts';
import { type Embedder, EmbedderSlot } from '../embeddings/embedder.ts';
import { JobRunner } from '../jobs/job-runner.ts';
import type { JobStore } from '../jobs/job-store.ts';
import { maintenanceJobs } from '../jobs/maintenance-jobs.ts';
import { JobScheduler } from '../jobs/scheduler.ts';
import { Metrics } from '../metrics/metrics.ts';
import { FeatureSource } from '../ranking/features/feature-source.ts';
import { RankerRegistry } from '../ranking/model-registry.ts';
import { Reranker } from '../ranking/reranker.ts';
import { SearchPipeline } from '../retrieval/search-pipeline.ts';
import { SuggestionService } from '../suggest/suggestion-service.ts';
import { EventService } from '../users/event-service.ts';
import type { EventStore } from '../users/event-store.ts';
import { loadUserIdSecret, UserIdHasher } from '../users/user-ids.ts';
import type { Config } from './config.ts';
import { createEmbedder } from './create-embedder.ts';
import { createLogger, type Logger } from './logger.ts';
import { MappingsStore } from './mappings.ts';

export interface Runtime {
  config: Config;
  logger: Logger;
  mappings: MappingsStore;
  /** The embedder in use; a reindex with another model swaps it. */
  embedder: EmbedderSlot;
  backend: SearchBackend;
  catalog: CatalogService;
  search: SearchPipeline;
  events: EventService;
  eventStore: EventStore;
  rankers: RankerRegistry;
  reranker: Reranker;
  suggestions: SuggestionService;
  jobs: { store: JobStore; runner: JobRunner; scheduler: JobScheduler };
  metrics: Metrics;
  /** Draining for shutdown: /readyz fails, connections close after their answer. */
  lifecycle: Lifecycle;
  createApp(): ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  /** Use this embedder instead of the configured one (tests, benchmarks). */
  embedder?: Embedder;
  /** Open an embedded store built with another embedder, to rebuild it (`reindex`). */
  acceptEmbedderChange?: boolean;
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const mappings = new MappingsStore(config.mappingsDir, logger);
  let embedder: Embedder;
  try {
    embedder = options.embedder ?? (await createEmbedder(config, logger));
  } catch (error) {
    mappings.close();
    throw error;
  }
  const { cell_size, probes } = mappings.current.search.vector_index;
  const stores = createStores(config, {
    embedder,
    logger,
    vectorIndex: { cellSize: cell_size, probes },
    ...(options.acceptEmbedderChange && { acceptEmbedderChange: true }),
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
  const slot = new EmbedderSlot(embedder);
  const catalog = new CatalogService(backend, slot);
  const metrics = new Metrics();
  const hasher = new UserIdHasher(loadUserIdSecret(config.userIdSecret, config.dataDir));
  const events = new EventService(eventStore, hasher, backend, {
    halfLifeDays: config.profileHalfLifeDays,
    window: config.events,
    onStored: (stored) => metrics.observeEvents(stored),
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
  const rankers = new RankerRegistry(config.modelsDir);
  const reranker = new Reranker(rankers, logger, {
    onFallback: (reason) => metrics.rankingFallbacks.inc({ reason }),
    onModel: (model) =>
      metrics.setRankingModel(
        model && {
          version: model.version,
          backend: model.metadata.tensorflow.backend,
          source: model.metadata.training.source,
        },
      ),
  });
  reranker.load();
  reranker.watch();
  const search = new SearchPipeline({
    backend,
    embedder: slot,
    settings: () => mappings.current,
    ranking: { reranker, features: new FeatureSource(eventStore, hasher), events: eventStore },
    observer: {
      search: (observation) => metrics.observeSearch(observation),
      embedderError: (error) => {
        metrics.embedderErrors.inc();
        logger.error({ err: error }, 'embedding the query failed; searching with BM25 alone');
      },
    },
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
    }),
    logger,
    {
      lockTtlMs: mappings.current.jobs.lock_ttl_seconds * 1000,
      observer: { finished: (run) => metrics.observeJob(run) },
    },
  );
  const scheduler = new JobScheduler(runner, () => mappings.current.jobs, logger);
  mappings.onReload(() => scheduler.restart());
  const lifecycle = new Lifecycle();
  const runtime: Runtime = {
    config,
    logger,
    mappings,
    embedder: slot,
    backend,
    catalog,
    search,
    events,
    eventStore,
    rankers,
    reranker,
    suggestions,
    jobs: { store: jobStore, runner, scheduler },
    metrics,
    lifecycle,
    createApp: () =>
      createApp({
        limits: config.http,
        lifecycle,
        backend,
        catalog,
        search,
        events,
        suggestions,
        metrics,
        logger,
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
      scheduler.stop();
      await runner.shutdown(30_000);
      mappings.close();
      reranker.close();
      await stores.close();
      embedder.close?.();
    },
  };
  return runtime;
}

/** First start: an empty store gets the demo catalog so the first search shows results. */
export async function loadDemoCatalogIfEmpty(runtime: Runtime): Promise<number> {
  if (runtime.config.demoCatalog === 'off' || (await runtime.backend.countProducts()) > 0) return 0;
  const report = await runtime.catalog.ingest(demoCatalog());
  runtime.logger.info({ products: report.accepted }, 'demo catalog loaded');
  return report.accepted;
}
