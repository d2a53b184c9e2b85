/**
 * A global concurrency guard. The service answers one request at a time on one thread:
 * 128 requests let in at once all finish late (every one waits for all the others), so a
 * burst beyond capacity turns into seconds of latency for everybody. The guard lets
 * `maxConcurrent` requests work at once and queues a few more; one that waited
 * `maxWaitMs` for its turn, or finds the queue full, gets a 503 with `Retry-After` at once.
 */
import { Semaphore, withTimeout } from 'async-mutex';
import type { RequestHandler } from 'express';
import { ServiceError } from '../main/errors.ts';

export interface ConcurrencyGuardOptions {
  maxConcurrent: number;
  maxWaitMs: number;
  /** Requests allowed to wait for a slot (default 4 x maxConcurrent). */
  maxQueued?: number;
  onShed?: () => void;
}

const RETRY_AFTER_SECONDS = 1;

function overloaded(): ServiceError {
  return new ServiceError('overloaded', undefined, {
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  });
}

/** 0 concurrent requests means no guard. */
export function concurrencyGuard(options: ConcurrencyGuardOptions): RequestHandler {
  if (options.maxConcurrent <= 0) return (_req, _res, next) => next();
  const semaphore = new Semaphore(options.maxConcurrent);
  const slots = withTimeout(semaphore, options.maxWaitMs, new Error('queue wait'));
  const maxQueued = options.maxQueued ?? options.maxConcurrent * 4;
  let queued = 0;
  const shed = () => {
    options.onShed?.();
    return overloaded();
  };
  return (_req, res, next) => {
    if (semaphore.isLocked() && (queued >= maxQueued || options.maxWaitMs === 0)) {
      next(shed());
      return;
    }
    queued++;
    slots.acquire().then(
      ([, release]) => {
        queued--;
        let released = false;
        const done = () => {
          if (released) return;
          released = true;
          release();
        };
        // 'close' also fires when the client went away before the answer.
        res.once('finish', done);
        res.once('close', done);
        next();
      },
      () => {
        queued--;
        next(shed());
      },
    );
  };
}
