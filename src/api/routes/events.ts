import { Router } from 'express';
import type { EventService } from '../../users/event-service.ts';
import { MAX_EVENTS_PER_REQUEST } from '../../users/events.ts';
import { bulkRecords, bulkStatus, ndjsonBody } from '../bulk-body.ts';

export function eventRoutes(events: EventService): Router {
  const router = Router();
  router.post('/v1/events', ndjsonBody, async (req, res) => {
    const records = bulkRecords(req.body, req.headers['content-type'], 'event', MAX_EVENTS_PER_REQUEST);
    const report = await events.ingest(records);
    res.status(bulkStatus(report)).json(report);
  });
  router.get('/v1/users/:id/profile', async (req, res) => {
    res.json(await events.profile(req.params.id));
  });
  router.delete('/v1/users/:id', async (req, res) => {
    res.json({ forgotten: await events.forgetUser(req.params.id) });
  });
  return router;
}
