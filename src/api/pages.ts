/**
 * The search page (`/`), the merchandiser console (`/console`, its data all behind the
 * admin key) and the API docs page (`/docs`): static files bundled by `npm run build:web`
 * into web/dist (run by `npm install` and `npm start`). Hashed-free asset names, so they are revalidated rather than cached
 * for long. Without a build the pages answer 503 saying how to build them; the API works
 * either way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const PAGES: Record<string, string> = { '/': 'index.html', '/console': 'console.html', '/docs': 'docs.html' };

/** The page routes, for the OpenAPI description. */
export const PAGE_PATHS = Object.keys(PAGES);

/** The console: an admin page, with a stricter policy of its own (http-headers.ts). */
export function isConsolePath(requestPath: string): boolean {
  return requestPath === '/console' || requestPath.startsWith('/assets/console.');
}

export function isPagePath(requestPath: string): boolean {
  return requestPath in PAGES || requestPath.startsWith('/assets/');
}

export function pageRoutes(dist = WEB_DIST): Router {
  const router = Router();
  for (const [route, file] of Object.entries(PAGES)) {
    router.get(route, (_req, res) => {
      const page = path.join(dist, file);
      if (!fs.existsSync(page)) {
        res
          .status(503)
          .type('text/plain')
          .send('The pages are not built: run `npm run build:web` (npm install and npm start do it).\n');
        return;
      }
      res.set('Cache-Control', isConsolePath(route) ? 'no-store' : 'no-cache').sendFile(page);
    });
  }
  router.use(
    '/assets',
    express.static(path.join(dist, 'assets'), { index: false, fallthrough: true, maxAge: 0, etag: true }),
  );
  return router;
}
