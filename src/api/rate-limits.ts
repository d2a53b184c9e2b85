/**
 * Per-client request limits on the public endpoints (search, suggest, events), with
 * express-rate-limit: a fixed one-minute window per client address (behind a proxy, the
 * address TRUST_PROXY lets Express read from X-Forwarded-For). Over the limit: 429
 * `rate_limited` with `Retry-After` and the standard `RateLimit` headers. Counts are kept
 * per process (each replica limits on its own).
 */
import type { RequestHandler } from 'express';
import { type RateLimitInfo, rateLimit } from 'express-rate-limit';
import type { HttpLimits } from '../main/config.ts';
import { ServiceError } from '../main/errors.ts';
import type { Logger } from '../main/logger.ts';

export type PublicEndpoint = 'search' | 'suggest' | 'events';

const WINDOW_MS = 60_000;

interface LimiterOptions {
  logger?: Logger;
  onLimited?: (endpoint: PublicEndpoint) => void;
}

function limiter(endpoint: PublicEndpoint, perMinute: number, { logger, onLimited }: LimiterOptions) {
  const report = (error: unknown) =>
    logger?.warn({ detail: String((error as Error)?.message ?? error) }, 'rate limiter configuration');
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: endpoint,
    // Its configuration checks (X-Forwarded-For without TRUST_PROXY, say) go to the service log.
    ...(logger && { logger: { warn: report, error: report } }),
    handler: (req, _res, next) => {
      onLimited?.(endpoint);
      const info = (req as { rateLimit?: RateLimitInfo }).rateLimit;
      const reset = info?.resetTime?.getTime() ?? Date.now() + WINDOW_MS;
      const seconds = Math.max(1, Math.ceil((reset - Date.now()) / 1000));
      next(
        new ServiceError(
          'rate_limited',
          `more than ${perMinute} ${endpoint} requests per minute from this client; retry in ${seconds} s`,
          { headers: { 'Retry-After': String(seconds) } },
        ),
      );
    },
  });
}

/** One limiter per public endpoint; without limits (RATE_LIMIT=off) they let everything through. */
export function publicRateLimits(
  limits: HttpLimits['rateLimit'],
  options: LimiterOptions = {},
): Record<PublicEndpoint, RequestHandler> {
  const open: RequestHandler = (_req, _res, next) => next();
  if (!limits) return { search: open, suggest: open, events: open };
  return {
    search: limiter('search', limits.search, options),
    suggest: limiter('suggest', limits.suggest, options),
    events: limiter('events', limits.events, options),
  };
}
