/**
 * `/v1/admin/models`: the model registry for the console and operators — every saved ranker
 * version with its held-out metrics, gate numbers, whom it serves and its file check, the
 * encoder versions, and promote / roll back (what `models promote|rollback` do). A change
 * is applied to this process at once; other processes follow the pointer file.
 */
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { listEncoders } from '../../embeddings/encoder/encoder-listing.ts';
import { isServiceError, ServiceError } from '../../main/errors.ts';
import { listRankers } from '../../ranking/model-listing.ts';
import type { RankerRegistry, RegistryState } from '../../ranking/model-registry.ts';
import { invalidRequest, zodDetails } from '../errors.ts';
import { decodablePathParams } from '../path-params.ts';
import { requireAdminKey } from './admin.ts';

export const modelVersionParams = z.strictObject({
  version: z
    .string()
    .regex(/^[\w.-]{1,128}$/, 'a ranker version: letters, digits, ".", "-" and "_", at most 128')
    .meta({ example: 'ranker-20250101T120000Z' }),
});

export interface ModelRegistryOptions {
  apiKey: string | undefined;
  rankers: RankerRegistry;
  modelsDir: string;
  /** Loads the version the pointer names now (the registry's watcher would, a moment later). */
  reloadServing: () => void;
}

function stateOf(state: RegistryState) {
  return {
    serving: state.active ?? null,
    previously_serving: state.history,
    rollback_to: state.history.at(-1) ?? null,
    shadow: state.shadow ?? null,
  };
}

export function modelRoutes(options: ModelRegistryOptions, limits: { guard: RequestHandler }): Router {
  const router = Router();
  const { rankers } = options;
  router.use(decodablePathParams(['/v1/admin/models/:version/promote']));
  router.use('/v1/admin/models', requireAdminKey(options.apiKey), limits.guard);
  router.get('/v1/admin/models', (_req, res) => {
    res.json({
      ...stateOf(rankers.state()),
      rankers: listRankers(rankers),
      encoders: listEncoders(options.modelsDir),
    });
  });
  router.post('/v1/admin/models/rollback', (_req, res) => {
    const before = rankers.state();
    if (!before.active && before.history.length === 0)
      throw new ServiceError(
        'version_conflict',
        'no ranker serves and none served before: nothing to roll back',
      );
    const state = rankers.rollback();
    options.reloadServing();
    res.json({ ...stateOf(state), rolled_back: before.active ?? null });
  });
  router.post<{ version: string }>('/v1/admin/models/:version/promote', (req, res) => {
    const parsed = modelVersionParams.safeParse(req.params);
    if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
    let state: RegistryState;
    try {
      state = rankers.promote(parsed.data.version);
    } catch (error) {
      // Files that fail their check are why this version cannot serve: the client's to know, not a 500.
      if (isServiceError(error, 'invalid_model'))
        throw new ServiceError('invalid_model', error.message, { status: 422 });
      throw error;
    }
    options.reloadServing();
    res.json(stateOf(state));
  });
  return router;
}
