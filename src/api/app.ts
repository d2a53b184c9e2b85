/** The express application: routes, JSON parsing, request metrics and error mapping. */
import express, { type Express } from 'express';
import type { CatalogService } from '../catalog/catalog-service.ts';
import type { SearchBackend } from '../catalog/search-backend.ts';
import type { Logger } from '../main/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { SearchPipeline } from '../retrieval/search-pipeline.ts';
import type { SearchSnapshot } from '../retrieval/stages/stage.ts';
import type { SuggestionService } from '../suggest/suggestion-service.ts';
import type { EventService } from '../users/event-service.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { adminRoutes } from './routes/admin.ts';
import { eventRoutes } from './routes/events.ts';
import { merchandisingRoutes } from './routes/merchandising.ts';
import { operationRoutes } from './routes/operations.ts';
import { productRoutes } from './routes/products.ts';
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
  metrics: Metrics;
  admin: Parameters<typeof adminRoutes>[0];
  merchandising: Omit<Parameters<typeof merchandisingRoutes>[0], 'apiKey'>;
  logger: Logger;
}

export function createApp(services: AppServices): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const end = services.metrics.httpRequestDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      // Route templates, never raw paths: label values stay bounded.
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ route, status_code: String(res.statusCode) });
    });
    next();
  });
  app.use(express.json({ limit: '64mb', strict: false }));
  app.use(operationRoutes(services.backend, services.metrics));
  app.use(searchRoutes(services.search, services.settings));
  app.use(productRoutes(services.catalog, services.admin.apiKey));
  app.use(eventRoutes(services.events, services.admin.apiKey));
  app.use(suggestRoutes(services.suggestions));
  app.use(merchandisingRoutes({ ...services.merchandising, apiKey: services.admin.apiKey }));
  app.use(adminRoutes(services.admin));
  app.use(notFoundHandler);
  app.use(
    errorHandler(services.logger, () =>
      services.metrics.backendErrors.inc({ backend: services.backend.kind }),
    ),
  );
  return app;
}
