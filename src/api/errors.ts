/**
 * API errors, from the one error model (main/errors.ts): always JSON `{error: {code,
 * message, details}}`. Client mistakes get a 4xx naming the field and the rule; an
 * unreachable backend a 503 with `Retry-After`; anything else is logged and answered with
 * the code's generic message, never a stack trace.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { ERRORS, isServiceError, RETRYABLE_CODES, ServiceError } from '../main/errors.ts';
import type { Logger } from '../main/logger.ts';
import { tooLarge } from './request-bodies.ts';

export interface ErrorDetail {
  field: string;
  rule: string;
  message: string;
}

export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: field ? `${field}.${key}` : key,
        rule: 'unknown_field',
        message: `unknown field "${key}"`,
      }));
    }
    return [{ field: field || '(body)', rule: issue.code, message: issue.message }];
  });
}

export function invalidRequest(details: ErrorDetail[]): ServiceError {
  const first = details[0];
  return new ServiceError('invalid_request', first && `${first.field}: ${first.message}`, { details });
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ServiceError('not_found', `no route for ${req.method} ${req.path}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** A body parser's (or the router's) failure as the error model's. */
function parserError(error: BodyParserError & Error & { limit?: number }): ServiceError | undefined {
  if (error.type === 'entity.parse.failed') return new ServiceError('invalid_json');
  if (error.type === 'entity.too.large') {
    const limit = typeof error.limit === 'number' ? error.limit : undefined;
    return limit ? tooLarge(limit) : new ServiceError('payload_too_large');
  }
  // A path segment that is not valid percent-encoding, on a route without its own check.
  if (error instanceof URIError && error.status === 400) {
    return invalidRequest([
      { field: '(path)', rule: 'invalid_encoding', message: 'the path is not valid percent-encoding' },
    ]);
  }
  if (error.expose && error.status && error.status < 500)
    return new ServiceError('bad_request', error.message, { status: error.status });
  return undefined;
}

export function errorHandler(logger: Logger, onBackendUnavailable?: () => void): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    // The request's own logger carries its request id.
    const log = (req as { log?: Logger }).log ?? logger;
    const known = isServiceError(error) ? error : parserError(error as BodyParserError & Error);
    // The route template, never the raw path: paths carry shopper and product ids.
    const where = {
      method: req.method,
      route: req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched',
    };
    if (known?.code === 'backend_unavailable') {
      onBackendUnavailable?.();
      log.warn({ err: error, ...where }, 'search backend unavailable');
    }
    // Client mistakes and "retry later" are answered as such; everything else is a 500.
    const answer =
      known && (known.status < 500 || RETRYABLE_CODES.has(known.code))
        ? known
        : new ServiceError('internal_error');
    if (answer.code === 'internal_error') log.error({ err: error, ...where }, 'unhandled error');
    if (answer.headers) res.set(answer.headers);
    res.status(answer.status).json({
      error: {
        code: answer.code,
        message: answer.status >= 500 ? ERRORS[answer.code].message : answer.message,
        ...(answer.details !== undefined && { details: answer.details }),
      },
    });
  };
}
