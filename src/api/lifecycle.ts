/**
 * The process's place in its life, as the HTTP layer needs it: once shutdown begins the
 * service is draining, so /readyz fails (the load balancer stops sending new requests),
 * responses close their keep-alive connection, and requests already in flight finish.
 */
import type { RequestHandler } from 'express';

export class Lifecycle {
  draining = false;

  /** While draining, every answer closes its connection, so clients reconnect elsewhere. */
  closeConnectionsWhileDraining(): RequestHandler {
    return (_req, res, next) => {
      if (this.draining) res.set('Connection', 'close');
      next();
    };
  }
}
