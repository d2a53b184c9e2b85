import { type RequestHandler, Router } from 'express';
import type { SearchPipeline } from '../../retrieval/search-pipeline.ts';
import { StageTimer } from '../../retrieval/stage-timer.ts';
import { jsonBody } from '../request-bodies.ts';
import { parseSearchBody, parseSearchQuery } from '../search-params.ts';

export function searchRoutes(
  search: SearchPipeline,
  options: { guard: RequestHandler; bodyBytes: number },
): Router {
  const router = Router();
  router.get('/v1/search', options.guard, async (req, res) => {
    const timer = new StageTimer();
    const request = await timer.time('parse', () => parseSearchQuery(req.query as Record<string, unknown>));
    res.json(await search.search(request, timer));
  });
  router.post('/v1/search', jsonBody(options.bodyBytes), options.guard, async (req, res) => {
    const timer = new StageTimer();
    const request = await timer.time('parse', () => parseSearchBody(req.body));
    res.json(await search.search(request, timer));
  });
  return router;
}
