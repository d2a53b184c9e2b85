import { Router } from 'express';
import type { SearchBackend } from '../../catalog/search-backend.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { Lifecycle } from '../lifecycle.ts';

export function operationRoutes(
  backend: SearchBackend,
  metrics: Metrics,
  lifecycle: Lifecycle,
  scrape: () => Promise<string> = () => metrics.registry.metrics(),
): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    // Shutting down: fail readiness first, so no new request is routed here while in-flight ones finish.
    if (lifecycle.draining) {
      res.status(503).json({ status: 'draining', backend: backend.kind });
      return;
    }
    const ready = await backend.isReady().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', backend: backend.kind });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await scrape());
  });
  return router;
}
