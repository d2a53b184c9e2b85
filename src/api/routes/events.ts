import { type RequestHandler, Router } from 'express';
import type { EventService } from '../../users/event-service.ts';
import { MAX_EVENTS_PER_REQUEST } from '../../users/events.ts';
import { bulkRecords, bulkStatus } from '../bulk-body.ts';
import { decodablePathParams } from '../path-params.ts';
import { jsonBody, ndjsonText } from '../request-bodies.ts';
import { toWire } from '../wire.ts';
import { requireKeyWhenSet } from './admin.ts';

export function eventRoutes(
  events: EventService,
  apiKey: string | undefined,
  options: { guard: RequestHandler; bodyBytes: number },
): Router {
  const router = Router();
  // Events come from shoppers' browsers (public); what is stored about a shopper is not.
  const shopperData = requireKeyWhenSet(apiKey);
  router.use(decodablePathParams(['/v1/users/:id/profile', '/v1/users/:id', '/v1/sessions/:id/profile']));
  router.post(
    '/v1/events',
    ndjsonText(options.bodyBytes),
    jsonBody(options.bodyBytes),
    options.guard,
    async (req, res) => {
      const records = bulkRecords(req.body, req.headers['content-type'], 'event', MAX_EVENTS_PER_REQUEST);
      const report = await events.ingest(records);
      res.status(bulkStatus(report)).json(report);
    },
  );
  router.get<{ id: string }>('/v1/users/:id/profile', shopperData, options.guard, async (req, res) => {
    res.json(toWire(await events.profile(req.params.id)));
  });
  router.get<{ id: string }>('/v1/sessions/:id/profile', shopperData, options.guard, async (req, res) => {
    res.json(toWire(await events.sessionProfile(req.params.id)));
  });
  router.delete<{ id: string }>('/v1/users/:id', shopperData, options.guard, async (req, res) => {
    res.json({ forgotten: await events.forgetUser(req.params.id) });
  });
  return router;
}
