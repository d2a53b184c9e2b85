/**
 * `GET /v1/admin/quality`: live ranking quality for the console's charts — the series that
 * metrics/quality-history.ts samples from the /metrics counters (searches, zero-result
 * rate, search latency, CTR@1, first-click MRR, purchases per search), CTR by position over
 * the window, the top queries and zero-result queries of the last hour or two (query
 * texts, in memory only: metrics/query-stats.ts), and the serving ranker's NDCG@10 on its
 * held-out judged lists beside the fused order's.
 */
import { type RequestHandler, Router } from 'express';
import type { QualityHistory } from '../../metrics/quality-history.ts';
import type { RankerRegistry } from '../../ranking/model-registry.ts';
import { requireAdminKey } from './admin.ts';

export function qualityRoutes(
  options: { apiKey: string | undefined; history: QualityHistory; rankers: RankerRegistry },
  limits: { guard: RequestHandler },
): Router {
  const router = Router();
  router.use('/v1/admin/quality', requireAdminKey(options.apiKey), limits.guard);
  router.get('/v1/admin/quality', async (_req, res) => {
    const { active } = options.rankers.state();
    const model = active ? options.rankers.list().find((m) => m.version === active) : undefined;
    res.json({
      ...(await options.history.report()),
      ranker: model
        ? {
            version: model.version,
            heldout_lists: model.metrics.heldout_lists,
            ndcg10: model.metrics.ndcg10,
            ndcg10_fused: model.metrics.ndcg10_fused,
          }
        : null,
    });
  });
  return router;
}
