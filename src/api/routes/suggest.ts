import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { SuggestionService } from '../../suggest/suggestion-service.ts';
import { invalidRequest, zodDetails } from '../errors.ts';

export const suggestQuery = z.strictObject({
  q: z.string().max(100, 'q must be at most 100 characters'),
  size: z.coerce.number().int().min(1).max(20).default(8),
});

/** Autocomplete for every keystroke: `GET /v1/suggest?q=cord&size=8`. */
export function suggestRoutes(suggestions: SuggestionService, options: { guard: RequestHandler }): Router {
  const router = Router();
  router.get('/v1/suggest', options.guard, (req, res) => {
    const parsed = suggestQuery.safeParse(req.query);
    if (!parsed.success) throw invalidRequest(zodDetails(parsed.error));
    const started = performance.now();
    const found = suggestions.suggest(parsed.data.q, parsed.data.size);
    res.json({
      q: parsed.data.q,
      suggestions: found.map((s) => ({ text: s.text, source: s.source })),
      took_ms: Math.round((performance.now() - started) * 1000) / 1000,
    });
  });
  return router;
}
