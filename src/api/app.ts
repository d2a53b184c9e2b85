/**
 * The express application: request ids and access logs (first, so every later log line
 * has the id), security headers, request metrics, the pages, CORS for the shopper
 * endpoints, per-client rate limits, the global concurrency guard, routes (each with the
 * body parser its requests need) and error mapping. Health, readiness and metrics stay
 * outside the limits: probes must answer when the service is busiest.
 */
import express, { type Express, type RequestHandler } from 'express';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { HttpLimits } from '../main/config.ts';
import type { Logger } from '../main/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RecommendationService } from '../recommend/recommendation-service.ts';
import type { SearchPipeline } from '../retrieval/search-pipeline.ts';
import type { SearchSnapshot } from '../retrieval/stages/stage.ts';
import type { SuggestionService } from '../suggest/suggestion-service.ts';
import type { EventService } from '../users/event-service.ts';
import { accessLog } from './access-log.ts';
import { CORS_PATHS, shopperCors } from './cors.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { apiHeaders } from './http-headers.ts';
import { Lifecycle } from './lifecycle.ts';
import { concurrencyGuard } from './load-shedding.ts';
import { openApiRoutes } from './openapi.ts';
import { pageRoutes } from './pages.ts';
import { publicRateLimits } from './rate-limits.ts';
import { adminRoutes } from './routes/admin.ts';
import { eventRoutes } from './routes/events.ts';
import { type MappingsFilesPort, mappingsFileRoutes } from './routes/mappings-files.ts';
import { merchandisingRoutes } from './routes/merchandising.ts';
import { type ModelRegistryOptions, modelRoutes } from './routes/models.ts';
import { operationRoutes } from './routes/operations.ts';
import { productRoutes } from './routes/products.ts';
import { qualityRoutes } from './routes/quality.ts';
import { recommendationRoutes } from './routes/recommendations.ts';
import { searchRoutes } from './routes/search.ts';
import { suggestRoutes } from './routes/suggest.ts';

export interface AppServices {
  backend: SearchBackend;
  catalog: CatalogService;
  search: SearchPipeline;
  /** The tuning files in force (one snapshot per request). */
  settings: () => SearchSnapshot;
  events: EventService;
  suggestions: SuggestionService;
  recommendations: RecommendationService;
  metrics: Metrics;
  admin: Parameters<typeof adminRoutes>[0];
  merchandising: Omit<Parameters<typeof merchandisingRoutes>[0], 'apiKey' | 'guard' | 'bodyBytes'>;
  /** The console's admin APIs: model registry, mappings files, live quality. */
  console: {
    models: Omit<ModelRegistryOptions, 'apiKey'>;
    mappingsFiles: MappingsFilesPort;
    quality: Omit<Parameters<typeof qualityRoutes>[0], 'apiKey'>;
  };
  logger: Logger;
  limits: HttpLimits;
  /** Shared with the server that drains on shutdown (default: a fresh one, never draining). */
  lifecycle?: Lifecycle;
  /** A reader worker (WORKERS > 1): sends the requests that write to the writer worker. */
  forwardWrites?: RequestHandler;
  /** What GET /metrics answers (every worker's metrics in a cluster; default: this process's registry). */
  scrapeMetrics?: () => Promise<string>;
}

export function createApp(services: AppServices): Express {
  const { limits, metrics } = services;
  const lifecycle = services.lifecycle ?? new Lifecycle();
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', limits.trustProxy);
  app.use(accessLog(services.logger));
  app.use((req, res, next) => {
    const end = metrics.httpRequestDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      // Route templates, never raw paths: label values stay bounded.
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ route, status_code: String(res.statusCode) });
    });
    next();
  });
  app.use(apiHeaders());
  app.use(lifecycle.closeConnectionsWhileDraining());
  app.use(operationRoutes(services.backend, metrics, lifecycle, services.scrapeMetrics));
  app.use(pageRoutes());
  app.use(openApiRoutes(services.settings));
  // Before the rate limits: a preflight is answered here and costs the client nothing.
  app.use(CORS_PATHS, shopperCors(limits.corsOrigins));
  const rate = publicRateLimits(limits.rateLimit, {
    logger: services.logger,
    onLimited: (endpoint) => metrics.rateLimited.inc({ endpoint }),
  });
  app.use('/v1/search', rate.search);
  // Recommendations are reads like searches: the same per-client budget.
  app.use(
    ['/v1/recommendations', '/v1/trending', /^\/v1\/products\/[^/]+\/(similar|bought-together)$/],
    rate.search,
  );
  app.use('/v1/suggest', rate.suggest);
  app.use('/v1/events', rate.events);
  if (services.forwardWrites) app.use(services.forwardWrites);
  // After each route's body parser: a slow upload holds a socket, never a slot.
  const guard = concurrencyGuard({
    maxConcurrent: limits.maxConcurrentRequests,
    maxWaitMs: limits.maxQueueWaitMs,
    onShed: () => metrics.shedRequests.inc(),
  });
  app.use(
    searchRoutes(services.search, services.settings, services.events, {
      guard,
      bodyBytes: limits.bodyBytes.search,
    }),
  );
  // Before the product routes: /v1/products/:id/similar is not a product id.
  app.use(
    recommendationRoutes(services.recommendations, {
      guard,
      attributes: () => services.settings().attributes,
    }),
  );
  app.use(
    merchandisingRoutes({
      ...services.merchandising,
      apiKey: services.admin.apiKey,
      guard,
      bodyBytes: limits.bodyBytes.products,
    }),
  );
  app.use(
    productRoutes(services.catalog, services.admin.apiKey, { guard, bodyBytes: limits.bodyBytes.products }),
  );
  app.use(eventRoutes(services.events, services.admin.apiKey, { guard, bodyBytes: limits.bodyBytes.events }));
  app.use(suggestRoutes(services.suggestions, { guard, events: services.events }));
  app.use(adminRoutes(services.admin, { guard }));
  const apiKey = services.admin.apiKey;
  app.use(modelRoutes({ ...services.console.models, apiKey }, { guard }));
  app.use(
    mappingsFileRoutes({
      apiKey,
      editor: services.console.mappingsFiles,
      guard,
      bodyBytes: limits.bodyBytes.products,
    }),
  );
  app.use(qualityRoutes({ ...services.console.quality, apiKey }, { guard }));
  app.use(notFoundHandler);
  app.use(errorHandler(services.logger, () => metrics.backendErrors.inc({ backend: services.backend.kind })));
  return app;
}
