/**
 * `/v1/admin/*`: operator endpoints, behind the API key of ADMIN_API_KEY
 * (`Authorization: Bearer <key>` or `X-API-Key: <key>`). Without a configured key the admin
 * API is off (403). The same key guards catalog writes and shopper data (requireKeyWhenSet).
 */
import { timingSafeEqual } from 'node:crypto';
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { JobRunner } from '../../jobs/job-runner.ts';
import { JOB_NAMES, type JobName, type JobStore } from '../../jobs/job-store.ts';
import type { JobScheduler } from '../../jobs/scheduler.ts';
import { ServiceError } from '../../main/errors.ts';
import type { SuggestionService } from '../../suggest/suggestion-service.ts';
import { invalidRequest, zodDetails } from '../errors.ts';
import { decodablePathParams } from '../path-params.ts';
import { toWire } from '../wire.ts';

function keysMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function requireAdminKey(expected: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (!expected) {
      throw new ServiceError('admin_disabled');
    }
    checkKey(expected)(req, res, next);
  };
}

/**
 * Catalog writes and shopper data (profiles, erasure): behind ADMIN_API_KEY once one is set;
 * open without one, as on a developer's machine (the service warns about it at start).
 */
export function requireKeyWhenSet(expected: string | undefined): RequestHandler {
  return expected ? checkKey(expected) : (_req, _res, next) => next();
}

function checkKey(expected: string): RequestHandler {
  return (req, _res, next) => {
    const bearer = req.headers.authorization?.match(/^Bearer (.+)$/i)?.[1];
    const given = bearer ?? req.header('x-api-key');
    if (!given || !keysMatch(given, expected)) {
      throw new ServiceError('unauthorized', undefined, {
        headers: { 'WWW-Authenticate': 'Bearer realm="admin"' },
      });
    }
    next();
  };
}

export const runsQuery = z.strictObject({
  job: z.enum(JOB_NAMES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(20),
});

export function adminRoutes(
  options: {
    apiKey: string | undefined;
    runner: JobRunner;
    store: JobStore;
    scheduler: JobScheduler;
    schedulerEnabled: boolean;
    suggestions: SuggestionService;
  },
  limits: { guard: RequestHandler },
): Router {
  const router = Router();
  router.use(decodablePathParams(['/v1/admin/jobs/:name/run', '/v1/admin/suggestions/:text']));
  router.use('/v1/admin', requireAdminKey(options.apiKey), limits.guard);
  router.get('/v1/admin/jobs', async (req, res) => {
    const parsed = runsQuery.safeParse(req.query);
    if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
    const runs = await options.store.runs({
      limit: parsed.data.limit,
      ...(parsed.data.job && { job: parsed.data.job }),
    });
    const lastRuns = await Promise.all(JOB_NAMES.map((job) => options.store.runs({ job, limit: 1 })));
    res.json(
      toWire({
        scheduler: options.schedulerEnabled ? 'on' : 'off',
        jobs: options.scheduler.describe().map((job, i) => ({
          ...job,
          running: options.runner.running().some((run) => run.job === job.job),
          lastRun: lastRuns[i]![0] ?? null,
        })),
        runs,
      }),
    );
  });
  router.post('/v1/admin/jobs/:name/run', async (req, res) => {
    const name = req.params.name as JobName;
    if (!(JOB_NAMES as readonly string[]).includes(name)) {
      throw new ServiceError(
        'not_found',
        `no job named "${req.params.name}"; jobs are ${JOB_NAMES.join(', ')}`,
      );
    }
    const { run } = await options.runner.start(name, 'api');
    res.status(202).json(toWire({ run }));
  });
  // Takes a suggestion out of autocomplete at once (every replica within seconds) and out
  // of later generations; for whole families of phrases, mappings/suggestions-blocklist.yaml.
  router.delete<{ text: string }>('/v1/admin/suggestions/:text', (req, res) => {
    const text = req.params.text;
    if (text.length > 200 || !/[\p{L}\p{N}]/u.test(text)) {
      throw invalidRequest([
        {
          field: 'text',
          rule: 'invalid_value',
          message: 'a suggestion of 1..200 characters with a letter or digit',
        },
      ]);
    }
    res.json({ text, removed: true, was_suggested: options.suggestions.remove(text) });
  });
  return router;
}
