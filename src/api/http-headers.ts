/**
 * Response headers. The JSON API gets helmet's security headers with a
 * Content-Security-Policy that lets a response load nothing and be framed nowhere
 * (responses are data, never pages), and `Cache-Control: no-store` on everything under
 * /v1: searches carry a query_id that events join on and personalized results, profiles
 * are shopper data, and none of it may sit in a shared cache or a browser's history.
 * The pages (`/`, `/console`, `/docs` and their `/assets`) get a policy of their own: scripts,
 * styles and API calls from this origin only (nothing from a CDN), product images from
 * wherever the catalog's `image_url` points. The console's is stricter still: nothing but
 * this origin's script, style and API, no images from elsewhere, no referrer sent, and
 * never cached (it holds merchandising files and model numbers).
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { isConsolePath, isPagePath } from './pages.ts';

export function apiHeaders(): RequestHandler[] {
  const forApi = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    // Shops call the API from their own pages, on another origin.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  const forPages = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  const forConsole = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  });
  return [
    (req, res, next) =>
      (isConsolePath(req.path) ? forConsole : isPagePath(req.path) ? forPages : forApi)(req, res, next),
    (req, res, next) => {
      if (req.path.startsWith('/v1/')) res.set('Cache-Control', 'no-store');
      next();
    },
  ];
}
