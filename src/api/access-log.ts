/**
 * Request ids and access logs (pino-http). A client's `X-Request-Id` is kept when it is
 * sane (1-128 letters, digits and `._:-`), else one is generated; it is echoed in the
 * response and carried by every log line of the request (`request_id`; routes and the
 * error handler log through `req.log`). One access line per request with the route
 * template (`/v1/users/:id/profile`), never the raw path or query string: those carry
 * queries, shopper and product ids, and whatever bytes a hostile client sent.
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

interface RoutedRequest {
  baseUrl?: string;
  route?: { path?: string };
}

/** The route template the request matched, as the metrics label it; `unmatched` otherwise. */
export function loggedRoute(req: RoutedRequest): string {
  return req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
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
    autoLogging: { ignore: (req) => UNLOGGED.has((req.url ?? '').split('?')[0]!) },
    customLogLevel: (_req, res, error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    // The route is known once the response is done.
    customSuccessObject: (req, _res, value) => ({ ...value, route: loggedRoute(req as RoutedRequest) }),
    customErrorObject: (req, _res, _error, value) => ({ ...value, route: loggedRoute(req as RoutedRequest) }),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    serializers: {
      req: (req: { method: string; raw: RoutedRequest }) => ({
        method: req.method,
        route: loggedRoute(req.raw),
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}
