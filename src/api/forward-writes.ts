/**
 * In a reader worker (WORKERS > 1): sends every request that writes to the writer worker
 * over its private socket and streams the answer back, so one process changes the store,
 * runs jobs and keeps its in-memory state (and the readers' notices) right. Mounted after
 * the per-client rate limits (they are this worker's) and before any body is parsed (the
 * body is streamed as it came). Reads, and the POSTs that only read, are answered here.
 */
import http from 'node:http';
import type { RequestHandler } from 'express';
import { ServiceError } from '../main/errors.ts';

/** POST routes that read: answered by whichever worker received them. */
const READ_ONLY_POSTS = new Set([
  '/v1/search',
  '/v1/admin/merchandising/validate',
  '/v1/admin/merchandising/preview',
]);
/** The route label of a forwarded request in this worker's metrics and log. */
export const FORWARDED_ROUTE = 'forwarded_to_writer';
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Hop-by-hop headers (RFC 9110 7.6.1) are not forwarded. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
];

/** Whether a request changes something (and so belongs to the writer). */
export function isWrite(method: string, path: string): boolean {
  return !READ_METHODS.has(method) && !READ_ONLY_POSTS.has(path);
}

export function forwardWritesTo(socketPath: string): RequestHandler {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return (req, res, next) => {
    if (!isWrite(req.method, req.path)) {
      next();
      return;
    }
    // The metrics and the access log label it thus here; the writer counts it under its route.
    (req as { route?: { path: string } }).route = { path: FORWARDED_ROUTE };
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    // One request id in both processes' log lines.
    headers['x-request-id'] = String(res.getHeader('X-Request-Id') ?? req.headers['x-request-id'] ?? '');
    // The client as this worker's TRUST_PROXY resolved it: the writer's private listener trusts it.
    headers['x-forwarded-for'] = req.ip ?? '';
    const upstream = http.request(
      { socketPath, path: req.originalUrl, method: req.method, headers, agent },
      (answer) => {
        const forwarded = { ...answer.headers };
        for (const name of HOP_BY_HOP) delete forwarded[name];
        res.status(answer.statusCode ?? 502).set(forwarded);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy(error);
        return;
      }
      // The writer is restarting (a crash): the client retries (writes are upserts by id).
      next(new ServiceError('writer_unavailable', undefined, { headers: { 'Retry-After': '1' } }));
    });
    req.pipe(upstream);
  };
}
