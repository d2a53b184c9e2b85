/**
 * Response headers for a JSON API: helmet's security headers with a Content-Security-Policy
 * that lets a response load nothing and be framed nowhere (responses are data, never
 * pages), and `Cache-Control: no-store` on everything under /v1: searches carry a
 * query_id that events join on and personalized results, profiles are shopper data, and
 * none of it may sit in a shared cache or a browser's history.
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';

export function apiHeaders(): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      // Shops call the API from their own pages, on another origin.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    }),
    (req, res, next) => {
      if (req.path.startsWith('/v1/')) res.set('Cache-Control', 'no-store');
      next();
    },
  ];
}
