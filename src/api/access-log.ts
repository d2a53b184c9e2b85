/**
 * Request ids and access logs (pino-http). A client's `X-Request-Id` is kept when it is
 * sane (1-128 letters, digits and `._:-`), else one is generated; it is echoed in the
 * response and carried by every log line of the request (`request_id`; routes and the
 * error handler log through `req.log`). One access line per request, without the query
 * string (queries and shopper ids are shopper data) and with shopper ids in paths masked.
 * Probes and scrapes are not logged: they would drown the rest.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../main/logger.ts';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const UNLOGGED = new Set(['/healthz', '/readyz', '/metrics']);

export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** The path as logged: no query string, shopper ids replaced by `:id`. */
export function loggedPath(url: string | undefined): string {
  const pathOnly = (url ?? '').split('?')[0]!;
  return pathOnly.replace(/^\/v1\/users\/[^/]+/, '/v1/users/:id');
}

export function accessLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdOf(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req) => UNLOGGED.has(loggedPath(req.url)) },
    customLogLevel: (_req, res, error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, path: loggedPath(req.url) }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}
