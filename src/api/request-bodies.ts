/**
 * Request body parsers, one per route and sized for it: a search body is kilobytes, an
 * events batch has its own cap, only the catalog upload (behind the key) is large. A body
 * over its route's limit is refused with 413 before it is read whole (Content-Length) or
 * as soon as it crosses the limit (chunked); JSON nested deeper than MAX_JSON_DEPTH is
 * refused before it is parsed, so a small body cannot make the parser or the validators
 * recurse for seconds.
 */
import express, { type RequestHandler } from 'express';
import { ServiceError } from '../main/errors.ts';

/** Deeper than any record this API takes (a product's attribute list is 3 levels). */
export const MAX_JSON_DEPTH = 32;

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when JSON text nests arrays and objects deeper than `max`. A byte scan that skips
 * strings: structural characters are ASCII, so UTF-8 needs no decoding.
 */
export function nestsDeeperThan(text: Buffer | string, max: number): boolean {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

export function tooDeep(field = '(body)'): ServiceError {
  return new ServiceError('invalid_request', `${field}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, {
    details: [
      { field, rule: 'max_depth', message: `JSON may nest at most ${MAX_JSON_DEPTH} arrays and objects` },
    ],
  });
}

export function tooLarge(limitBytes: number): ServiceError {
  return new ServiceError('payload_too_large', `the request body is larger than ${formatBytes(limitBytes)}`, {
    details: [{ field: '(body)', rule: 'max_bytes', message: `at most ${formatBytes(limitBytes)}` }],
  });
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

/** JSON bodies (any value, not only objects: batches are arrays) up to `limitBytes`. */
export function jsonBody(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    strict: false,
    verify: (_req, _res, buffer) => {
      if (nestsDeeperThan(buffer, MAX_JSON_DEPTH)) throw tooDeep();
    },
  });
}

/** NDJSON bodies as text up to `limitBytes` (lines are parsed and checked one by one). */
export function ndjsonText(limitBytes: number): RequestHandler {
  return express.text({ type: NDJSON_TYPES, limit: limitBytes });
}

export function isNdjson(contentType: string | undefined): boolean {
  return contentType !== undefined && NDJSON_TYPES.some((type) => contentType.startsWith(type));
}
