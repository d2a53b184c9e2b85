import { type RequestHandler, Router } from 'express';
import type { SearchPipeline } from '../../retrieval/search-pipeline.ts';
import type { SearchRequest } from '../../retrieval/search-request.ts';
import { StageTimer } from '../../retrieval/stage-timer.ts';
import type { SearchSnapshot } from '../../retrieval/stages/stage.ts';
import type { EventService } from '../../users/event-service.ts';
import { jsonBody } from '../request-bodies.ts';
import { parseSearchBody, parseSearchQuery } from '../search-params.ts';

/** One settings snapshot per request: the filters are read with the attributes the search then runs with. */
export function searchRoutes(
  search: SearchPipeline,
  settings: () => SearchSnapshot,
  events: EventService,
  options: { guard: RequestHandler; bodyBytes: number },
): Router {
  const router = Router();
  // Session ids are stored like user ids: as a keyed hash, never as sent.
  const withHashedSession = (request: SearchRequest): SearchRequest =>
    request.sessionId ? { ...request, sessionId: events.hashSession(request.sessionId) } : request;
  router.get('/v1/search', options.guard, async (req, res) => {
    const timer = new StageTimer();
    const snapshot = settings();
    const request = await timer.time('parse', () =>
      parseSearchQuery(req.query as Record<string, unknown>, snapshot.attributes),
    );
    res.json(await search.search(withHashedSession(request), timer, { settings: snapshot }));
  });
  router.post('/v1/search', jsonBody(options.bodyBytes), options.guard, async (req, res) => {
    const timer = new StageTimer();
    const snapshot = settings();
    const request = await timer.time('parse', () => parseSearchBody(req.body, snapshot.attributes));
    res.json(await search.search(withHashedSession(request), timer, { settings: snapshot }));
  });
  return router;
}
