/**
 * API errors: always JSON `{error: {code, message, details}}`. Client mistakes get a 4xx
 * naming the field and the rule; an unreachable backend a 503 with `Retry-After`; anything
 * unexpected is logged and answered with a generic 500 that never carries a stack trace.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { BackendUnavailableError } from '../catalog/search-backend.ts';
import type { Logger } from '../main/logger.ts';

export interface ErrorDetail {
  field: string;
  rule: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
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

export function invalidRequest(details: ErrorDetail[]): ApiError {
  const first = details[0];
  const summary = first ? `${first.field}: ${first.message}` : 'invalid request';
  return new ApiError(400, 'invalid_request', summary, details);
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

export function errorHandler(logger: Logger, onBackendUnavailable?: () => void): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let apiError: ApiError;
    if (error instanceof ApiError) {
      apiError = error;
    } else if (error instanceof BackendUnavailableError) {
      onBackendUnavailable?.();
      logger.warn({ err: error, method: req.method, path: req.path }, 'search backend unavailable');
      apiError = new ApiError(
        503,
        'backend_unavailable',
        'the search backend is unavailable; retry later',
        undefined,
        { 'Retry-After': String(error.retryAfterSeconds) },
      );
    } else {
      const parserError = error as BodyParserError;
      if (parserError.type === 'entity.parse.failed') {
        apiError = new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
      } else if (parserError.type === 'entity.too.large') {
        apiError = new ApiError(413, 'payload_too_large', 'the request body is too large');
      } else if (parserError.expose && parserError.status && parserError.status < 500) {
        apiError = new ApiError(parserError.status, 'bad_request', (error as Error).message);
      } else {
        logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
        apiError = new ApiError(500, 'internal_error', 'internal error');
      }
    }
    if (apiError.headers) res.set(apiError.headers);
    res.status(apiError.status).json({
      error: {
        code: apiError.code,
        message: apiError.message,
        ...(apiError.details !== undefined && { details: apiError.details }),
      },
    });
  };
}
