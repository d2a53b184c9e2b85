/**
 * Cross-origin access for the endpoints a shop's own pages call from shoppers' browsers:
 * search, suggest, events and the recommendation lists a product or home page shows
 * (CORS_ORIGINS: `*` by default, or a list). Credentials are
 * off: these endpoints read no cookies, and the admin key must never ride along from a
 * browser, so the catalog, shopper-data and admin endpoints get no CORS headers at all.
 */

import cors from 'cors';
import type { RequestHandler } from 'express';

export const CORS_PATHS: (string | RegExp)[] = [
  '/v1/search',
  '/v1/suggest',
  '/v1/events',
  '/v1/recommendations',
  '/v1/trending',
  /^\/v1\/products\/[^/]+\/(similar|bought-together)$/,
];

export function shopperCors(origins: string[] | '*'): RequestHandler {
  return cors({
    origin: origins === '*' ? '*' : origins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
}
